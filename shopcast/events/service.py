"""Recording events, and with each the webhook messages it owes (the outbox), in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shopcast.db import utcnow
from shopcast.events.models import Event
from shopcast.ids import new_id
from shopcast.webhooks.service import fan_out


def emit(
    session: Session, type_: str, *, owner_id: str | None, subject_id: str, data: dict[str, Any]
) -> Event:
    """Add an event to the caller's transaction; it exists only if that transaction commits."""
    event = Event(
        id=new_id(), type=type_, owner_id=owner_id, subject_id=subject_id, data=data, created_at=utcnow()
    )
    session.add(event)
    fan_out(session, event)
    return event
