"""A read transaction sees one committed state, even when a writer commits between its queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shopcast.db import make_engine, make_session_factory, read_snapshot, transaction
from shopcast.settings import Settings
from tests.harness.services import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        settings = Settings(data_dir=tmp_path)
        built = make_engine(settings)
        yield built
        built.dispose()
        return
    with postgres_database() as url:
        built = make_engine(Settings(data_dir=tmp_path, database_url=url))
        yield built
        built.dispose()


def _tables(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE jobs (id INTEGER PRIMARY KEY, done INTEGER NOT NULL)"))
        conn.execute(text("CREATE TABLE outputs (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO jobs (id, done) VALUES (1, 0)"))


def _finish_job(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE jobs SET done = 1 WHERE id = 1"))
        conn.execute(text("INSERT INTO outputs (id) VALUES (1)"))


@pytest.mark.parametrize("snapshot", [True, False], ids=["snapshot", "per-statement"])
def test_reads_after_a_concurrent_commit_see_the_state_of_the_first(engine: Engine, snapshot: bool) -> None:
    _tables(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as reader:
        if snapshot:
            read_snapshot(reader)
        outputs_before = reader.scalar(text("SELECT count(*) FROM outputs"))
        _finish_job(engine)
        done_after = reader.scalar(text("SELECT done FROM jobs WHERE id = 1"))
    assert outputs_before == 0
    if snapshot:
        assert done_after == 0, "the job's commit landed after the snapshot began"
    else:
        assert done_after == 1, "without a snapshot each statement sees the latest commit (read skew)"
