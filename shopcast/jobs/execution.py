"""Running one job: claim, heartbeat, do the work, and finish exactly once."""

from __future__ import annotations

import logging
import threading
import time

from shopcast.db import transaction
from shopcast.jobs.errors import JobRejected
from shopcast.jobs.models import Job, JobState
from shopcast.jobs.registry import JobContext, lookup
from shopcast.jobs.service import claim, finish, heartbeat, requeue
from shopcast.runtime import Runtime
from shopcast.telemetry.worker_metrics import job_finished

log = logging.getLogger(__name__)


class _Heartbeat:
    """Touches the job row while the handler runs, so the sweeper knows this worker is alive."""

    def __init__(self, runtime: Runtime, job_id: str, token: str):
        self._runtime = runtime
        self._job_id = job_id
        self._token = token
        self._progress: float | None = None
        self._speed: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"heartbeat-{job_id}")

    def report(self, progress: float, speed: float | None = None) -> None:
        self._progress, self._speed = progress, speed

    @property
    def speed(self) -> float | None:
        """The last speed the handler reported, if any."""
        return self._speed

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._runtime.settings.job_heartbeat_s):
            try:
                with transaction(self._runtime.sessions) as session:
                    heartbeat(session, self._job_id, self._token, self._progress, self._speed)
            except Exception:
                log.exception("heartbeat failed for job %s", self._job_id)


def give_up(runtime: Runtime, job_id: str, token: str, code: str, message: str) -> None:
    """Fail a claimed job for good and let its kind react (e.g. mark the asset rejected)."""
    with transaction(runtime.sessions) as session:
        if finish(session, job_id, token, JobState.failed, code, message):
            job = session.get(Job, job_id)
            assert job is not None
            hook = lookup(job.kind).on_give_up
            if hook is not None:
                hook(session, job, code, message)


def execute(runtime: Runtime, job_id: str, worker: str) -> None:
    """Run a job if this worker wins the claim; a lost claim or a finished job makes this a no-op."""
    with transaction(runtime.sessions) as session:
        token = claim(session, job_id, worker)
        job = session.get(Job, job_id) if token else None
        if job is None or token is None:
            return
        attempts, max_attempts, kind, asset_id, params = (
            job.attempts,
            job.max_attempts,
            lookup(job.kind),
            job.asset_id,
            dict(job.params or {}),
        )
    if attempts > max_attempts:
        give_up(runtime, job_id, token, "attempts_exhausted", f"gave up after {max_attempts} attempts")
        job_finished(kind.name, "failed", 0.0)
        return
    beat = _Heartbeat(runtime, job_id, token)
    context = JobContext(job_id, asset_id, beat.report, worker=worker, params=params)
    started = time.monotonic()
    log.info("job %s (%s) attempt %d started on %s", job_id, kind.name, attempts, worker)
    try:
        with beat:
            finisher = kind.handler(context)
    except JobRejected as exc:
        give_up(runtime, job_id, token, exc.code, exc.message)
        job_finished(kind.name, "rejected", time.monotonic() - started)
        return
    except Exception as exc:
        log.exception("job %s (%s) attempt %d failed", job_id, kind.name, attempts)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        if attempts >= max_attempts:
            give_up(runtime, job_id, token, "job_failed", message)
        else:
            with transaction(runtime.sessions) as session:
                requeue(session, job_id, token, "retrying", message)
        job_finished(
            kind.name, "failed" if attempts >= max_attempts else "retried", time.monotonic() - started
        )
        return
    with transaction(runtime.sessions) as session:
        if not finish(session, job_id, token, JobState.succeeded):
            log.warning("job %s lost its claim before finishing; its results are dropped", job_id)
            job_finished(kind.name, "lost", time.monotonic() - started)
            return
        job = session.get(Job, job_id)
        assert job is not None
        finisher(session, job)
    elapsed = time.monotonic() - started
    job_finished(kind.name, "succeeded", elapsed, beat.speed)
    log.info("job %s (%s) succeeded in %.1f s", job_id, kind.name, elapsed)
    for callback in context.on_committed:
        try:
            callback()
        except Exception:
            log.exception("post-commit step of job %s failed", job_id)
