"""Counting the events a stack recorded, straight from its database."""

from __future__ import annotations

from sqlalchemy import func, select

from shopcast.events.models import Event
from tests.harness.stack import Stack


def event_count(stack: Stack, subject_id: str, type_: str) -> int:
    with stack.runtime.sessions() as session:
        query = (
            select(func.count()).select_from(Event).where(Event.subject_id == subject_id, Event.type == type_)
        )
        return int(session.scalar(query) or 0)
