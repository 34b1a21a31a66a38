"""What a process needs to do work: settings, the database and the object store, built once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from shopcast.db import make_engine, make_session_factory
from shopcast.settings import Settings, load_settings
from shopcast.storage import ObjectStore, open_store


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: ObjectStore


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings)
    return Runtime(settings, engine, make_session_factory(engine), open_store(settings))


_current: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def current_runtime() -> Runtime:
    """The worker process's runtime; built from the environment the first time it is asked for."""
    global _current
    if _current is None:
        _current = build_runtime(load_settings())
    return _current


def reset_after_fork() -> None:
    # A forked pool child must not share its parent's database connections.
    if _current is not None:
        _current.engine.dispose(close=False)
