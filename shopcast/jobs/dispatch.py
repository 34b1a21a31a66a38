"""Send jobs and webhook messages to the broker only after the transaction that created them commits."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from shopcast.jobs.service import ENQUEUE_KEY
from shopcast.webhooks.service import SEND_KEY

log = logging.getLogger(__name__)


def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(ENQUEUE_KEY, [])
    messages = session.info.pop(SEND_KEY, [])
    if not pending and not messages:
        return
    from shopcast.celery_app import send_job, send_webhook

    for job_id, queue in pending:
        try:
            send_job(job_id, queue)
        except Exception:
            # The row is committed; the sweeper re-sends queued jobs that no worker picked up.
            log.exception("could not enqueue job %s; the sweeper will retry", job_id)
    for message_id in messages:
        try:
            send_webhook(message_id)
        except Exception:
            log.exception("could not enqueue webhook message %s; the sweeper will retry", message_id)


def _forget_on_rollback(session: Session) -> None:
    session.info.pop(ENQUEUE_KEY, None)
    session.info.pop(SEND_KEY, None)


def install() -> None:
    if not event.contains(Session, "after_commit", _send_after_commit):
        event.listen(Session, "after_commit", _send_after_commit)
        event.listen(Session, "after_rollback", _forget_on_rollback)
