"""Recording events. Webhook delivery (a later issue) reads this table as its outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shopcast.events.models import Event


def emit(
    session: Session, type_: str, *, owner_id: str | None, subject_id: str, data: dict[str, Any]
) -> Event:
    """Add an event to the caller's transaction; it exists only if that transaction commits."""
    event = Event(type=type_, owner_id=owner_id, subject_id=subject_id, data=data)
    session.add(event)
    return event
