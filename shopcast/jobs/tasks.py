"""The one Celery task: run a job row by id. Domains register what each kind of job does."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from celery import Task
from celery.signals import worker_process_init, worker_ready, worker_shutdown

import commerce.tasks  # noqa: F401  (the catalogue's names bias transcriptions)
import ingest.tasks  # noqa: F401  (registers the probe job and upload expiry)
import publisher.tasks  # noqa: F401  (registers the publication render and delivery jobs)
import shopcast.webhooks.tasks  # noqa: F401  (webhook delivery and its retry sweep)
import transcode.tasks  # noqa: F401  (registers the transcode job)
from shopcast.api.idempotency import forget_older_than
from shopcast.auth.web_sessions import forget_ended
from shopcast.celery_app import RUN_JOB_TASK, celery_app
from shopcast.db import transaction, utcnow
from shopcast.jobs import dispatch
from shopcast.jobs.execution import execute
from shopcast.jobs.sweeper import SweeperThread, register_periodic
from shopcast.runtime import Runtime, current_runtime, reset_after_fork
from shopcast.telemetry import context

dispatch.install()


def _forget_idempotency_keys(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        forget_older_than(session, utcnow() - timedelta(seconds=runtime.settings.idempotency_ttl_s))


def _forget_ended_sessions(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        forget_ended(session, runtime.settings)


register_periodic("forget_idempotency_keys", _forget_idempotency_keys)
register_periodic("forget_ended_sessions", _forget_ended_sessions)
_sweeper: SweeperThread | None = None


@celery_app.task(name=RUN_JOB_TASK, acks_late=True, reject_on_worker_lost=True, bind=True)
def run_job(self: Task[[str], None], job_id: str) -> None:
    # The request ID travels in the message headers (see shopcast.celery_app.send_job).
    with context.bound(request_id=getattr(self.request, "request_id", None), job_id=job_id):
        execute(current_runtime(), job_id, f"{socket.gethostname()}:{os.getpid()}")


@worker_process_init.connect
def _on_child_start(**_: Any) -> None:
    reset_after_fork()


@worker_ready.connect
def _start_sweeper(**_: Any) -> None:
    global _sweeper
    _sweeper = SweeperThread(current_runtime())
    _sweeper.start()


@worker_shutdown.connect
def _stop_sweeper(**_: Any) -> None:
    if _sweeper is not None:
        _sweeper.stop()
