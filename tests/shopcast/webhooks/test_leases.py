"""A delivery whose worker died counts as a failed attempt: retried on the schedule, then dead."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import make_engine, make_session_factory, transaction, utcnow
from shopcast.migrations import upgrade
from shopcast.settings import Settings
from shopcast.webhooks.delivery import release_expired_leases
from shopcast.webhooks.models import MessageState, WebhookAttempt, WebhookEndpoint, WebhookMessage
from shopcast.webhooks.signing import new_secret


def test_expired_leases_retry_then_dead_letter(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, webhook_retry_schedule_s=[5.0, 5.0])
    upgrade(settings)
    engine = make_engine(settings)
    sessions = make_session_factory(engine)
    past = utcnow() - timedelta(minutes=5)
    with transaction(sessions) as session:
        owner, _token = create_user(session, "maker", Role.creator)
        endpoint = WebhookEndpoint(owner_id=owner.id, url="https://93.184.216.34/", secret=new_secret())
        session.add(endpoint)
        session.flush()
        for message_id, attempts in (("msg_retry", 1), ("msg_spent", 3)):
            session.add(
                WebhookMessage(
                    id=message_id,
                    endpoint_id=endpoint.id,
                    event_id="e" * 32,
                    event_type="asset.ready",
                    body="{}",
                    state=MessageState.sending,
                    attempts=attempts,
                    next_attempt_at=past,
                    lease_until=past,
                )
            )
    with transaction(sessions) as session:
        assert release_expired_leases(session, settings, utcnow()) == 2
    with sessions() as session:
        retry, spent = session.get(WebhookMessage, "msg_retry"), session.get(WebhookMessage, "msg_spent")
        assert retry is not None
        assert spent is not None
        assert retry.state is MessageState.pending
        assert retry.next_attempt_at > utcnow() + timedelta(seconds=3), "backs off like any failure"
        assert spent.state is MessageState.dead, "three attempts spend a schedule of two retries"
        lost = session.query(WebhookAttempt).filter(WebhookAttempt.message_id == "msg_retry").one()
        assert lost.error is not None
        assert "stopped answering" in lost.error
    engine.dispose()
