"""Webhook endpoints and the messages owed to them.

Fan-out runs inside `emit`: the messages for an event are written in the transaction that makes the
change (the outbox), with the exact body to sign, and are sent to the `webhooks` queue after commit.
Who hears of an event: endpoints of its owner, of the PDs assigned to that owner, and of admins.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from shopcast.auth.models import PdAssignment, Role, User
from shopcast.auth.ownership import get_visible, page_visible
from shopcast.auth.service import Principal
from shopcast.db import rows_affected, utcnow
from shopcast.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shopcast.events.models import Event
from shopcast.ids import new_id
from shopcast.settings import Settings
from shopcast.webhooks.address_guard import UnsafeWebhookUrl, check_url
from shopcast.webhooks.models import MessageState, WebhookEndpoint, WebhookMessage
from shopcast.webhooks.signing import new_secret

SEND_KEY = "shopcast.webhooks_after_commit"
EVENT_TYPES = frozenset(
    {
        "asset.created",
        "asset.ready",
        "asset.rejected",
        "asset.failed",
        "asset.playable",
        "renditions.ready",
        "subtitles.ready",
        "live_stream.started",
        "live_stream.ended",
        "clip.ready",
        "clip.failed",
        "publication.delivered",
        "publication.failed",
        "booking.created",
        "booking.cancelled",
        "destination.connected",
        "destination.failed",
        "asset.products_updated",
        "highlights.ready",
    }
)


def create_endpoint(
    session: Session, settings: Settings, owner: Principal, url: str, events: list[str], description: str
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret; the URL is vetted (public addresses only, unless allowed)."""
    _check(settings, url, events)
    endpoint = WebhookEndpoint(
        owner_id=owner.id, url=url, events=sorted(set(events)), description=description, secret=new_secret()
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def update_endpoint(
    session: Session, settings: Settings, endpoint: WebhookEndpoint, changes: dict[str, Any]
) -> WebhookEndpoint:
    url = changes.get("url", endpoint.url)
    events = changes.get("events", endpoint.events)
    _check_events(events)
    if url != endpoint.url:
        _check_url(settings, url)
    endpoint.url, endpoint.events = url, sorted(set(events))
    if "description" in changes:
        endpoint.description = changes["description"]
    if "enabled" in changes:
        endpoint.enabled = bool(changes["enabled"])
        endpoint.disabled_reason = None if endpoint.enabled else "disabled by its owner"
    return endpoint


def _check(settings: Settings, url: str, events: list[str]) -> None:
    _check_events(events)
    _check_url(settings, url)


def _check_events(events: list[str]) -> None:
    unknown = sorted(set(events) - EVENT_TYPES)
    if unknown:
        raise ValidationFailed(f"unknown event types: {', '.join(unknown)}", code="unknown_event_type")


def _check_url(settings: Settings, url: str) -> None:
    try:
        check_url(url, settings.webhook_allow_private)
    except UnsafeWebhookUrl as exc:
        raise ValidationFailed(str(exc), code="unsafe_url") from exc


def rotate_secret(session: Session, settings: Settings, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (a second signature) for the grace period."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = utcnow() + timedelta(seconds=settings.webhook_secret_grace_s)
    endpoint.secret = new_secret()
    return endpoint


def live_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    secrets_ = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        secrets_.append(endpoint.previous_secret)
    return secrets_


def get_endpoint(session: Session, principal: Principal, endpoint_id: str) -> WebhookEndpoint:
    return get_visible(session, principal, WebhookEndpoint, endpoint_id, WebhookEndpoint.owner_id, "endpoint")


def get_own_endpoint(session: Session, principal: Principal, endpoint_id: str) -> WebhookEndpoint:
    """An endpoint `principal` may change: its owner's or, for admins, anyone's. A PD sees their
    creators' endpoints but cannot point them elsewhere or learn their secrets."""
    endpoint = get_endpoint(session, principal, endpoint_id)
    if endpoint.owner_id != principal.id and principal.role is not Role.admin:
        raise Forbidden("only the endpoint's owner or an admin may change it")
    return endpoint


def still_listening(session: Session, endpoint: WebhookEndpoint, event_id: str) -> bool:
    """Whether the endpoint's owner may still hear of the event: a PD unassigned since it was
    written no longer does."""
    owner = session.get(User, endpoint.owner_id)
    if owner is None or owner.role is not Role.pd:
        return owner is not None
    event_owner = session.scalar(select(Event.owner_id).where(Event.id == event_id))
    return event_owner == owner.id or session.get(PdAssignment, (owner.id, event_owner)) is not None


def page_endpoints(
    session: Session, principal: Principal, limit: int, cursor: str | None
) -> list[WebhookEndpoint]:
    return page_visible(session, principal, WebhookEndpoint, WebhookEndpoint.owner_id, limit, cursor)


def fan_out(session: Session, event: Event) -> None:
    """Messages for every enabled endpoint that should hear of `event`, in the caller's transaction."""
    if event.owner_id is None:
        return
    listeners = select(PdAssignment.pd_id).where(PdAssignment.creator_id == event.owner_id)
    admins = select(User.id).where(User.role == Role.admin)
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.enabled.is_(True),
            or_(
                WebhookEndpoint.owner_id == event.owner_id,
                WebhookEndpoint.owner_id.in_(listeners),
                WebhookEndpoint.owner_id.in_(admins),
            ),
        )
    )
    now = utcnow()
    created = event.created_at or now
    body = json.dumps(
        {"type": event.type, "timestamp": created.isoformat(), "data": event.data},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    for endpoint in endpoints:
        if endpoint.events and event.type not in endpoint.events:
            continue
        message = WebhookMessage(
            id=f"msg_{new_id()}",
            endpoint_id=endpoint.id,
            event_id=event.id,
            event_type=event.type,
            body=body,
            budget=None,  # the retry schedule's length, read when delivering
            next_attempt_at=now,
            enqueued_at=now,
        )
        session.add(message)
        session.info.setdefault(SEND_KEY, []).append(message.id)


def page_messages(
    session: Session, endpoint: WebhookEndpoint, limit: int, cursor: str | None
) -> list[WebhookMessage]:
    query = select(WebhookMessage).where(WebhookMessage.endpoint_id == endpoint.id)
    if cursor:
        query = query.where(WebhookMessage.id < cursor)
    return list(session.scalars(query.order_by(WebhookMessage.id.desc()).limit(limit + 1)))


def redeliver(
    session: Session, settings: Settings, endpoint: WebhookEndpoint, message_id: str
) -> WebhookMessage:
    """One more attempt, now, whatever the message's state (delivered ones are sent again)."""
    message = session.get(WebhookMessage, message_id)
    if message is None or message.endpoint_id != endpoint.id:
        raise NotFound("no such delivery")
    _grant_one_attempt(session, settings, message)
    return message


def replay_failed(
    session: Session, settings: Settings, endpoint: WebhookEndpoint, since: datetime
) -> list[str]:
    """One more attempt for every dead message created since `since`; their ids."""
    dead = session.scalars(
        select(WebhookMessage).where(
            WebhookMessage.endpoint_id == endpoint.id,
            WebhookMessage.state == MessageState.dead,
            WebhookMessage.created_at >= since,
        )
    )
    replayed = []
    for message in dead:
        _grant_one_attempt(session, settings, message)
        replayed.append(message.id)
    return replayed


def _grant_one_attempt(session: Session, settings: Settings, message: WebhookMessage) -> None:
    """At least one more attempt, now; a message still inside its schedule keeps the rest of it."""
    now = utcnow()
    scheduled = message.budget if message.budget is not None else 1 + len(settings.webhook_retry_schedule_s)
    result = session.execute(
        update(WebhookMessage)
        .where(WebhookMessage.id == message.id, WebhookMessage.state != MessageState.sending)
        .values(
            state=MessageState.pending,
            budget=max(scheduled, message.attempts + 1),
            next_attempt_at=now,
            enqueued_at=now,
            lease_until=None,
        )
    )
    if rows_affected(result) != 1:
        raise Conflict("this delivery is being attempted right now", code="delivery_in_progress")
    session.info.setdefault(SEND_KEY, []).append(message.id)
    session.refresh(message)
