"""A booking's stream key opens the studio's live ingest from shortly before the slot to shortly after."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopcast.errors import Forbidden, Unauthorized
from shopcast.settings import Settings
from studio_booking.models import Booking, BookingState

KEY_PREFIX = "sk_"


def new_stream_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


def key_window(booking: Booking, settings: Settings) -> tuple[datetime, datetime]:
    """When the key is valid: the slot widened by the configured lead and grace minutes."""
    return (
        booking.starts_at - timedelta(minutes=settings.stream_key_lead_minutes),
        booking.ends_at + timedelta(minutes=settings.stream_key_grace_minutes),
    )


def booking_for_stream_key(session: Session, key: str, now: datetime, settings: Settings) -> Booking:
    """The booking a stream key belongs to, if it may go live now.

    Raises Unauthorized for a key nobody issued and Forbidden for a cancelled booking or a time
    outside its window (the WHIP endpoint answers 401 and 403 with these messages).
    """
    booking = session.scalar(select(Booking).where(Booking.stream_key == key))
    if booking is None:
        raise Unauthorized(
            "this stream key is unknown; copy it again from your booking", code="unknown_stream_key"
        )
    if booking.state is BookingState.cancelled:
        raise Forbidden("the booking for this stream key was cancelled", code="booking_cancelled")
    opens, closes = key_window(booking, settings)
    if not opens <= now <= closes:
        when = "opens" if now < opens else "closed"
        moment = opens if now < opens else closes
        raise Forbidden(
            f"this stream key {when} at {moment.isoformat()}; go live within your booked slot",
            code="outside_booking_window",
        )
    return booking
