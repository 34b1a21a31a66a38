"""Which queue and handler serve each kind of job. Domains register their kinds at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from shopcast.jobs.models import Job
from shopcast.storage import ObjectStore

QUEUES = ("probe", "transcode", "subtitles", "render", "publish", "webhooks")

# Which queue serves each kind of job. Plain data, so the API can enqueue a kind whose handler
# it never imports; a new kind is listed here as well as registered by its domain.
KIND_QUEUES: dict[str, str] = {
    "probe": "probe",
    "preview": "probe",  # seconds of work: must not wait behind long transcodes
    "transcode": "transcode",
    "loudness": "transcode",
    "thumbnails": "transcode",
    "transcode_chunk": "transcode",
    "subtitles": "subtitles",
    "translate_subtitles": "subtitles",
    "highlights": "subtitles",  # follows the subtitles job; one FFmpeg pass over the whole source
    "render_clip": "render",
    "render_publication": "render",
    "deliver_publication": "publish",
    "publish_highlight": "publish",
}


class ProgressReport(Protocol):
    """How a handler reports progress (0 to 1) and, when it knows, speed (media seconds per second)."""

    def __call__(self, progress: float, speed: float | None = None) -> None: ...


@dataclass(frozen=True)
class JobContext:
    """Handed to a handler: its job, a way to report progress, and the worker's scratch space."""

    job_id: str
    asset_id: str | None
    report_progress: ProgressReport
    worker: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    # Run after the transaction that marks the job succeeded has committed, e.g. deleting outputs
    # that the job's results replaced (never before: a failed commit would leave them live).
    on_committed: list[Callable[[], None]] = field(default_factory=list)

    def delete_after_commit(self, store: ObjectStore, prefix: str | None) -> None:
        """Delete everything under `prefix` once the job's success has committed: the outputs that
        its results replaced. Does nothing for None (nothing was replaced)."""
        if prefix is not None:
            folder = prefix + "/"
            self.on_committed.append(lambda: store.delete_prefix(folder))


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
    if KIND_QUEUES.get(kind.name) != kind.queue:
        raise ValueError(f"job kind {kind.name} must be listed in KIND_QUEUES with queue {kind.queue}")
    _KINDS[kind.name] = kind


def lookup(name: str) -> JobKind:
    return _KINDS[name]


def queue_for(name: str) -> str:
    """The queue of a job kind; raises KeyError for a kind nobody declared."""
    return KIND_QUEUES[name]
