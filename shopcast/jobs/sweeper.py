"""Re-enqueue jobs whose worker went silent and jobs whose broker message was lost.

A serverless broker forgets a message that a killed worker had taken, and Redis redelivers only
after its visibility timeout, so the job rows, not the broker, decide what still has to run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import update

from shopcast.db import rows_affected, transaction, utcnow
from shopcast.jobs.models import Job, JobState
from shopcast.jobs.registry import lookup
from shopcast.jobs.scratch import remove_orphans
from shopcast.jobs.service import ENQUEUE_KEY, lost_queued, stale_cutoff, stale_running, touch_enqueued
from shopcast.runtime import Runtime

log = logging.getLogger(__name__)

Periodic = Callable[[Runtime], None]
_PERIODIC: list[tuple[str, Periodic]] = []


def register_periodic(name: str, fn: Periodic) -> None:
    """Run `fn` on every sweep (domains use it for clean-ups such as expiring uploads)."""
    _PERIODIC.append((name, fn))


def _release_stale(runtime: Runtime, job: Job) -> None:
    cutoff = stale_cutoff(runtime.settings.job_stale_after_s)
    exhausted = job.attempts >= job.max_attempts
    with transaction(runtime.sessions) as session:
        values: dict[str, object] = (
            {"state": JobState.failed, "finished_at": utcnow(), "error_code": "worker_lost"}
            if exhausted
            else {"state": JobState.queued, "claim_token": None, "enqueued_at": utcnow()}
        )
        values["error_message"] = f"worker {job.worker} stopped sending heartbeats"
        result = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.state == JobState.running, Job.claim_token == job.claim_token)
            .where(Job.heartbeat_at < cutoff)
            .values(values)
        )
        if rows_affected(result) != 1:
            return
        if exhausted:
            hook = lookup(job.kind).on_give_up
            if hook is not None:
                hook(session, job, "worker_lost", str(values["error_message"]))
        else:
            session.info.setdefault(ENQUEUE_KEY, []).append((job.id, job.queue))
    log.warning(
        "job %s: worker %s went silent; %s", job.id, job.worker, "failed" if exhausted else "requeued"
    )


def sweep(runtime: Runtime) -> None:
    """One pass: release stale running jobs, re-send lost queued ones, run periodic clean-ups."""
    cutoff = stale_cutoff(runtime.settings.job_stale_after_s)
    with transaction(runtime.sessions) as session:
        stale = stale_running(session, cutoff)
        session.expunge_all()
    for job in stale:
        _release_stale(runtime, job)
    # A queued job may simply be waiting its turn on a busy farm, so it is sent again only after
    # a much longer silence; a duplicate message is harmless (the claim is a compare-and-set).
    with transaction(runtime.sessions) as session:
        for job in lost_queued(session, stale_cutoff(runtime.settings.job_resend_after_s)):
            touch_enqueued(session, job)
    for orphan in remove_orphans(runtime.settings):
        log.info("removed scratch space of a process that is gone: %s", orphan)
    for name, fn in _PERIODIC:
        try:
            fn(runtime)
        except Exception:
            log.exception("periodic task %s failed", name)


class SweeperThread(threading.Thread):
    def __init__(self, runtime: Runtime):
        super().__init__(daemon=True, name="shopcast-sweeper")
        self._runtime = runtime
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self._runtime.settings.sweep_interval_s):
            try:
                sweep(self._runtime)
            except Exception:
                log.exception("sweep failed")

    def stop(self) -> None:
        self._stop_event.set()
