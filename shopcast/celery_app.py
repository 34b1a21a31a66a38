"""The Celery app: one queue per kind of work, late acks, prefetch 1, no result backend."""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from shopcast.jobs import filesystem_transport
from shopcast.jobs.registry import QUEUES
from shopcast.settings import Settings
from shopcast.telemetry import context

celery_app = Celery("shopcast", include=["shopcast.jobs.tasks"])
RUN_JOB_TASK = "shopcast.run_job"


def configure_celery(settings: Settings) -> Celery:
    """Point the app at the configured broker; the embedded default needs no server."""
    broker = settings.effective_broker_url
    options: dict[str, object] = {}
    if broker.startswith("filesystem"):
        filesystem_transport.install()
        folder = settings.broker_dir
        (folder / "processed").mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "store_processed": False,
            "control_folder": str(folder / "control"),
            "polling_interval": settings.broker_polling_interval_s,
        }
    elif broker.startswith(("redis", "rediss")):
        # Longer than the longest job, so Redis does not hand a running job to a second worker.
        options = {"visibility_timeout": settings.redis_visibility_timeout_s}
    celery_app.conf.update(
        broker_url=broker,
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue="probe",
        task_queues=[Queue(name, Exchange(name, type="direct"), routing_key=name) for name in QUEUES],
        task_create_missing_queues=True,
        worker_hijack_root_logger=False,
        task_time_limit=8 * 3600,
        worker_cancel_long_running_tasks_on_connection_loss=True,
    )
    return celery_app


def send_job(job_id: str, queue: str) -> None:
    celery_app.send_task(RUN_JOB_TASK, args=[job_id], queue=queue, routing_key=queue, headers=_trace())


def _trace() -> dict[str, str]:
    """Message headers that carry the current request ID to the worker (its logs show it)."""
    request_id = context.current().get("request_id")
    return {"request_id": request_id} if request_id else {}


DELIVER_WEBHOOK_TASK = "shopcast.deliver_webhook"


def send_webhook(message_id: str) -> None:
    celery_app.send_task(
        DELIVER_WEBHOOK_TASK, args=[message_id], queue="webhooks", routing_key="webhooks", headers=_trace()
    )
