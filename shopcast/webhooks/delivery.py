"""One delivery attempt: claim the message, POST it signed, record what happened, schedule the next.

The claim is a compare-and-set (pending and due → sending, with a lease), so a message sent twice to
the queue is attempted once; a worker that dies mid-attempt leaves a lease that the sweeper expires.
The connection goes to an address checked by the address guard, never following redirects.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopcast.db import rows_affected, transaction, utcnow
from shopcast.runtime import Runtime
from shopcast.settings import Settings
from shopcast.webhooks.address_guard import UnsafeWebhookUrl, parse_target, resolve
from shopcast.webhooks.models import MessageState, WebhookAttempt, WebhookEndpoint, WebhookMessage
from shopcast.webhooks.service import live_secrets
from shopcast.webhooks.signing import signature_header

log = logging.getLogger(__name__)
_SNIPPET = 500
_LEASE_MARGIN_S = 30.0
_MAX_RETRY_AFTER_S = 24 * 3600.0


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    snippet: str
    error: str | None
    retry_after_s: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class _Claimed:
    message_id: str
    url: str
    body: str
    secrets: list[str]
    attempt: int
    enabled: bool


def deliver(runtime: Runtime, message_id: str) -> None:
    """Attempt the message if it is due and nobody else is attempting it."""
    claimed = _claim(runtime, message_id)
    if claimed is None:
        return
    if not claimed.enabled:
        outcome = Outcome(None, 0.0, "", "the endpoint is disabled")
    else:
        outcome = send(runtime.settings, claimed)
    with transaction(runtime.sessions) as session:
        _record(session, runtime.settings, claimed, outcome)


def _claim(runtime: Runtime, message_id: str) -> _Claimed | None:
    settings = runtime.settings
    now = utcnow()
    with transaction(runtime.sessions) as session:
        result = session.execute(
            update(WebhookMessage)
            .where(
                WebhookMessage.id == message_id,
                WebhookMessage.state == MessageState.pending,
                WebhookMessage.next_attempt_at <= now,
            )
            .values(
                state=MessageState.sending,
                attempts=WebhookMessage.attempts + 1,
                lease_until=now + timedelta(seconds=settings.webhook_timeout_s + _LEASE_MARGIN_S),
            )
        )
        if rows_affected(result) != 1:
            return None
        message = session.get(WebhookMessage, message_id)
        assert message is not None
        endpoint = session.get(WebhookEndpoint, message.endpoint_id)
        assert endpoint is not None
        return _Claimed(
            message.id,
            endpoint.url,
            message.body,
            live_secrets(endpoint, now),
            message.attempts,
            endpoint.enabled,
        )


def send(settings: Settings, claimed: _Claimed) -> Outcome:
    """POST the message to its endpoint once; every failure becomes an Outcome, never an exception."""
    started = time.perf_counter()
    try:
        target = parse_target(claimed.url)
        address = resolve(target, settings.webhook_allow_private)[0]
    except UnsafeWebhookUrl as exc:
        return Outcome(None, 0.0, "", f"refused: {exc}")
    timestamp = int(time.time())
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "Shopcast-Webhooks/1",
        "webhook-id": claimed.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(claimed.secrets, claimed.message_id, timestamp, claimed.body),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with httpx.Client(
            timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False
        ) as client:
            response = client.post(
                target.url_for(address), content=claimed.body.encode(), headers=headers, extensions=extensions
            )
    except httpx.HTTPError as exc:
        return Outcome(None, _ms(started), "", f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(
        response.status_code,
        _ms(started),
        response.text[:_SNIPPET],
        None,
        _retry_after(response) if response.status_code in (429, 503) else None,
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), _MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(0.0, (when - utcnow()).total_seconds()), _MAX_RETRY_AFTER_S)


def _record(session: Session, settings: Settings, claimed: _Claimed, outcome: Outcome) -> None:
    session.add(
        WebhookAttempt(
            message_id=claimed.message_id,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_snippet=outcome.snippet,
            error=outcome.error,
        )
    )
    message = session.get(WebhookMessage, claimed.message_id)
    if message is None:
        return
    now = utcnow()
    message.lease_until = None
    if outcome.delivered:
        message.state, message.delivered_at = MessageState.delivered, now
        return
    if outcome.status_code == 410:
        _disable(session, message.endpoint_id, "the endpoint answered 410 Gone")
        message.state = MessageState.dead
        return
    schedule = settings.webhook_retry_schedule_s
    budget = message.budget if message.budget is not None else 1 + len(schedule)
    if message.attempts >= budget or not claimed.enabled:
        message.state = MessageState.dead
        log.warning("webhook message %s dead-lettered after %d attempts", message.id, message.attempts)
        return
    delay = schedule[min(message.attempts - 1, len(schedule) - 1)] * settings.webhook_retry_scale
    if outcome.retry_after_s is not None:
        delay = max(delay, outcome.retry_after_s)
    message.state, message.next_attempt_at = MessageState.pending, now + timedelta(seconds=delay)
    message.enqueued_at = None


def _disable(session: Session, endpoint_id: str, reason: str) -> None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is not None:
        endpoint.enabled, endpoint.disabled_reason = False, reason


def due_messages(session: Session, now: datetime, resend_after_s: float) -> list[str]:
    """Pending messages that are due and not sent to the queue recently; marks them sent now."""
    cutoff = now - timedelta(seconds=resend_after_s)
    ids = list(
        session.scalars(
            select(WebhookMessage.id)
            .where(
                WebhookMessage.state == MessageState.pending,
                WebhookMessage.next_attempt_at <= now,
                (WebhookMessage.enqueued_at.is_(None)) | (WebhookMessage.enqueued_at < cutoff),
            )
            .limit(1000)
        )
    )
    if ids:
        session.execute(update(WebhookMessage).where(WebhookMessage.id.in_(ids)).values(enqueued_at=now))
    return ids


def release_expired_leases(session: Session, now: datetime) -> int:
    """Attempts whose worker died: the message is pending again (the lost attempt still counts)."""
    result = session.execute(
        update(WebhookMessage)
        .where(WebhookMessage.state == MessageState.sending, WebhookMessage.lease_until < now)
        .values(state=MessageState.pending, lease_until=None, next_attempt_at=now, enqueued_at=None)
    )
    return rows_affected(result)
