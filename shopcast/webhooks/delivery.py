"""One delivery attempt: claim the message, POST it signed, record what happened, schedule the next.

The claim is a compare-and-set (pending and due → sending, with a lease), so a message sent twice to
the queue is attempted once; a worker that dies mid-attempt leaves a lease that the sweeper expires.
The connection goes to an address checked by the address guard, never following redirects.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopcast.db import rows_affected, transaction, utcnow
from shopcast.runtime import Runtime
from shopcast.settings import Settings
from shopcast.telemetry.worker_metrics import webhook_attempted
from shopcast.webhooks.address_guard import UnsafeWebhookUrl, parse_target, resolve
from shopcast.webhooks.models import MessageState, WebhookAttempt, WebhookEndpoint, WebhookMessage
from shopcast.webhooks.service import live_secrets, still_listening
from shopcast.webhooks.signing import signature_header

log = logging.getLogger(__name__)
_SNIPPET = 500
_HEAD_BYTES = 64 * 1024
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
        refusal = "the endpoint is disabled, or its owner no longer follows this creator"
        outcome = Outcome(None, 0.0, "", refusal)
    else:
        outcome = send(runtime.settings, claimed)
    webhook_attempted(outcome.status_code, outcome.latency_ms / 1000, outcome.error)
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
        enabled = endpoint.enabled and still_listening(session, endpoint, message.event_id)
        return _Claimed(
            message.id,
            endpoint.url,
            message.body,
            live_secrets(endpoint, now),
            message.attempts,
            enabled,
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
    if not target.host.isascii():
        return Outcome(None, 0.0, "", "refused: write international host names in their xn-- (IDNA) form")
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "Shopcast-Webhooks/1",
        "webhook-id": claimed.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(claimed.secrets, claimed.message_id, timestamp, claimed.body),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    deadline = started + settings.webhook_timeout_s
    try:
        with (
            httpx.Client(
                timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST",
                target.url_for(address),
                content=claimed.body.encode(),
                headers=headers,
                extensions=extensions,
            ) as response,
        ):
            head = _read_head(response, deadline)
    except Exception as exc:  # every failure is an attempt's outcome, never a lost message
        return Outcome(None, _ms(started), "", f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(
        response.status_code,
        _ms(started),
        head.decode("utf-8", errors="replace")[:_SNIPPET],
        None,
        _retry_after(response) if response.status_code in (429, 503) else None,
    )


def _read_head(response: httpx.Response, deadline: float) -> bytes:
    """The first bytes of the answer, within the attempt's overall deadline: a receiver that
    trickles or streams without end cannot hold a worker or fill its memory."""
    head = b""
    for chunk in response.iter_raw():
        head += chunk
        if len(head) >= _HEAD_BYTES:
            break
        if time.perf_counter() > deadline:
            raise TimeoutError("the receiver took longer than the delivery timeout to answer")
    return head[:_HEAD_BYTES]


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
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - utcnow()).total_seconds()), _MAX_RETRY_AFTER_S)


def _record(session: Session, settings: Settings, claimed: _Claimed, outcome: Outcome) -> None:
    """Keep the attempt; move the message on only if this claim still holds it (a lease that ran out
    may have let another worker attempt it meanwhile)."""
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
    values = _next_state(session, settings, message, outcome, claimed.enabled)
    if not _conclude(session, claimed.message_id, claimed.attempt, values):
        log.warning("webhook message %s changed hands during attempt %d", claimed.message_id, claimed.attempt)


def _conclude(session: Session, message_id: str, attempt: int, values: dict[str, object]) -> bool:
    """End an attempt's lease with `values`, only if that attempt still holds the message."""
    result = session.execute(
        update(WebhookMessage)
        .where(
            WebhookMessage.id == message_id,
            WebhookMessage.state == MessageState.sending,
            WebhookMessage.attempts == attempt,
        )
        .values(lease_until=None, **values)
    )
    return rows_affected(result) == 1


def _next_state(
    session: Session, settings: Settings, message: WebhookMessage, outcome: Outcome, enabled: bool
) -> dict[str, object]:
    now = utcnow()
    if outcome.delivered:
        return {"state": MessageState.delivered, "delivered_at": now}
    if outcome.status_code == 410:
        _disable(session, message.endpoint_id, "the endpoint answered 410 Gone")
        return {"state": MessageState.dead}
    schedule = settings.webhook_retry_schedule_s
    if message.attempts >= budget_of(message, settings) or not enabled or not schedule:
        log.warning("webhook message %s dead-lettered after %d attempts", message.id, message.attempts)
        return {"state": MessageState.dead}
    delay = schedule[min(message.attempts - 1, len(schedule) - 1)] * settings.webhook_retry_scale
    if outcome.retry_after_s is not None:
        delay = max(delay, outcome.retry_after_s)
    return {
        "state": MessageState.pending,
        "next_attempt_at": now + timedelta(seconds=delay),
        "enqueued_at": None,
    }


def budget_of(message: WebhookMessage, settings: Settings) -> int:
    """Attempts the message may have in all: the schedule's, or what an operator granted."""
    default = 1 + len(settings.webhook_retry_schedule_s)
    return message.budget if message.budget is not None else default


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


def release_expired_leases(session: Session, settings: Settings, now: datetime) -> int:
    """Attempts whose worker died (or hung past its lease) count as failed attempts: the message is
    retried on the schedule, or dead-lettered once its attempts are spent."""
    expired = list(
        session.scalars(
            select(WebhookMessage)
            .where(WebhookMessage.state == MessageState.sending, WebhookMessage.lease_until < now)
            .limit(1000)
        )
    )
    released = 0
    for message in expired:
        lost = Outcome(None, 0.0, "", "the worker attempting this delivery stopped answering")
        session.add(
            WebhookAttempt(message_id=message.id, latency_ms=0.0, response_snippet="", error=lost.error)
        )
        endpoint = session.get(WebhookEndpoint, message.endpoint_id)
        values = _next_state(session, settings, message, lost, endpoint is not None and endpoint.enabled)
        released += _conclude(session, message.id, message.attempts, values)
    return released
