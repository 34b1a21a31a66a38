"""Which queue and handler serve each kind of job. Domains register their kinds at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from shopcast.jobs.models import Job

QUEUES = ("probe", "transcode", "subtitles", "render", "publish", "webhooks")


@dataclass(frozen=True)
class JobContext:
    """Handed to a handler: its job, a way to report progress, and the worker's scratch space."""

    job_id: str
    asset_id: str | None
    report_progress: Callable[[float], None]


# A handler does the work outside any transaction, then returns a finisher that writes its
# results inside the transaction that marks the job succeeded.
Finisher = Callable[[Session, Job], None]
Handler = Callable[[JobContext], Finisher]
# Called in the transaction that gives a job up for good (attempts exhausted or rejected).
GiveUp = Callable[[Session, Job, str, str], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    queue: str
    handler: Handler
    on_give_up: GiveUp | None = None


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    if kind.queue not in QUEUES:
        raise ValueError(f"unknown queue {kind.queue}")
    _KINDS[kind.name] = kind


def lookup(name: str) -> JobKind:
    return _KINDS[name]


def queue_for(name: str) -> str:
    return _KINDS[name].queue if name in _KINDS else "probe"
