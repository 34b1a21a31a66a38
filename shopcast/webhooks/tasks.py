"""The webhook worker: the Celery task that attempts a message, and the sweep that finds due retries."""

from __future__ import annotations

from celery import Task

from shopcast.celery_app import DELIVER_WEBHOOK_TASK, celery_app, send_webhook
from shopcast.db import transaction, utcnow
from shopcast.jobs.sweeper import register_periodic
from shopcast.runtime import Runtime, current_runtime
from shopcast.telemetry import context
from shopcast.webhooks.delivery import deliver, due_messages, release_expired_leases


# A hard limit beside the delivery's own deadline: nothing a receiver does holds a worker for long.
@celery_app.task(
    name=DELIVER_WEBHOOK_TASK, acks_late=True, reject_on_worker_lost=True, time_limit=120, bind=True
)
def deliver_webhook(self: Task[[str], None], message_id: str) -> None:
    with context.bound(request_id=getattr(self.request, "request_id", None), message_id=message_id):
        deliver(current_runtime(), message_id)


def sweep_webhooks(runtime: Runtime) -> None:
    """Release attempts whose worker died, then send every due message to the queue."""
    now = utcnow()
    with transaction(runtime.sessions) as session:
        release_expired_leases(session, runtime.settings, now)
        due = due_messages(session, now, runtime.settings.webhook_resend_after_s)
    for message_id in due:
        send_webhook(message_id)


register_periodic("webhooks", sweep_webhooks)
