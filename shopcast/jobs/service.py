"""Job state transitions, each a compare-and-set so that at-least-once delivery runs work once."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopcast.db import rows_affected, utcnow
from shopcast.jobs.models import Job, JobState
from shopcast.jobs.registry import queue_for

ENQUEUE_KEY = "shopcast.enqueue_after_commit"


def create_job(
    session: Session,
    kind: str,
    *,
    asset_id: str | None,
    max_attempts: int,
    params: dict[str, Any] | None = None,
    parent_id: str | None = None,
) -> Job:
    """Add a queued job; it is sent to its queue only after the caller's transaction commits."""
    job = Job(
        kind=kind,
        queue=queue_for(kind),
        asset_id=asset_id,
        max_attempts=max_attempts,
        enqueued_at=utcnow(),
        params=params,
        parent_id=parent_id,
    )
    session.add(job)
    session.flush()
    session.info.setdefault(ENQUEUE_KEY, []).append((job.id, job.queue))
    return job


def claim(session: Session, job_id: str, worker: str) -> str | None:
    """Move a queued job to running and count the attempt; returns the claim token, or None if taken."""
    token = secrets.token_hex(8)
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.queued)
        .values(
            state=JobState.running,
            attempts=Job.attempts + 1,
            claim_token=token,
            worker=worker,
            heartbeat_at=now,
            started_at=now,
            error_code=None,
            error_message=None,
        )
    )
    return token if rows_affected(result) == 1 else None


def heartbeat(
    session: Session, job_id: str, token: str, progress: float | None = None, speed: float | None = None
) -> bool:
    values: dict[str, object] = {"heartbeat_at": utcnow()}
    if progress is not None:
        values["progress"] = max(0.0, min(1.0, progress))
    if speed is not None:
        values["speed"] = speed
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.claim_token == token, Job.state == JobState.running)
        .values(values)
    )
    return rows_affected(result) == 1


def finish(
    session: Session, job_id: str, token: str, state: JobState, code: str = "", message: str = ""
) -> bool:
    """End a claimed job; False when the claim was lost (the sweeper gave the job to another worker)."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.claim_token == token, Job.state == JobState.running)
        .values(
            state=state,
            progress=1.0 if state is JobState.succeeded else Job.progress,
            finished_at=utcnow(),
            error_code=code or None,
            error_message=message or None,
        )
    )
    return rows_affected(result) == 1


def requeue(session: Session, job_id: str, token: str, code: str, message: str) -> bool:
    """Put a running job back in the queue after a failed attempt, if this claim still holds it."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.running, Job.claim_token == token)
        .values(
            state=JobState.queued,
            claim_token=None,
            enqueued_at=utcnow(),
            error_code=code,
            error_message=message,
        )
    )
    if rows_affected(result) != 1:
        return False
    job = session.get(Job, job_id)
    assert job is not None
    session.info.setdefault(ENQUEUE_KEY, []).append((job.id, job.queue))
    return True


def stale_running(session: Session, older_than: datetime) -> list[Job]:
    return list(
        session.scalars(select(Job).where(Job.state == JobState.running, Job.heartbeat_at < older_than))
    )


def lost_queued(session: Session, older_than: datetime) -> list[Job]:
    return list(
        session.scalars(select(Job).where(Job.state == JobState.queued, Job.enqueued_at < older_than))
    )


def touch_enqueued(session: Session, job: Job) -> None:
    job.enqueued_at = utcnow()
    session.info.setdefault(ENQUEUE_KEY, []).append((job.id, job.queue))


def stale_cutoff(seconds: float) -> datetime:
    return utcnow() - timedelta(seconds=seconds)
