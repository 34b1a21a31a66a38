"""iCalendar (RFC 5545) feeds of bookings, and the revocable tokens that let calendar apps read them."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Iterable

from icalendar import Calendar, Event, vText
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopcast.auth.service import Principal
from shopcast.errors import NotFound
from studio_booking.models import Booking, BookingState, CalendarFeed, Studio

FEED_PREFIX = "cf_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_feed_token(session: Session, principal: Principal) -> str:
    """A new feed token for the caller; the previous one stops working at once."""
    token = FEED_PREFIX + secrets.token_urlsafe(24)
    feed = session.get(CalendarFeed, principal.id)
    if feed is None:
        session.add(CalendarFeed(user_id=principal.id, token_hash=_hash(token)))
    else:
        feed.token_hash = _hash(token)
    return token


def revoke_feed_token(session: Session, principal: Principal) -> None:
    feed = session.get(CalendarFeed, principal.id)
    if feed is not None:
        session.delete(feed)


def feed_owner(session: Session, token: str) -> str:
    """The user id behind a feed token; NotFound for an unknown or revoked token."""
    owner = session.scalar(select(CalendarFeed.user_id).where(CalendarFeed.token_hash == _hash(token)))
    if owner is None:
        raise NotFound("no such calendar feed")
    return owner


def studio_bookings(session: Session, studio_id: str) -> list[Booking]:
    return list(
        session.scalars(select(Booking).where(Booking.studio_id == studio_id).order_by(Booking.starts_at))
    )


def creator_bookings(session: Session, creator_id: str) -> list[Booking]:
    return list(
        session.scalars(select(Booking).where(Booking.creator_id == creator_id).order_by(Booking.starts_at))
    )


def ical_text(value: str) -> vText:
    """A TEXT value (RFC 5545, 3.3.11) without the control characters TEXT may not hold (tab and
    line breaks stay: the writer escapes line breaks, backslashes, semicolons and commas, and folds
    long lines). Older studio rows may hold what input checks now refuse; they must not break a feed."""
    kept = "".join(c for c in value if c in "\t\r\n" or unicodedata.category(c) != "Cc")
    return vText(kept)


def render(name: str, bookings: Iterable[Booking], studios: dict[str, Studio]) -> bytes:
    """A VCALENDAR with one VEVENT per booking; a changed or cancelled one keeps its UID, raises SEQUENCE."""
    calendar = Calendar()
    calendar.add("prodid", "-//Shopcast//Studio bookings//EN")
    calendar.add("version", "2.0")
    # An X- property is written as given unless it is typed as TEXT: a raw line break in it would
    # end the content line, and icalendar refuses to write that at all.
    calendar.add("x-wr-calname", ical_text(name))
    for booking in bookings:
        studio = studios.get(booking.studio_id)
        event = Event()
        event.add("uid", f"{booking.id}@shopcast")
        event.add("summary", ical_text(f"Studio booking: {studio.name if studio else booking.studio_id}"))
        if studio is not None and studio.location:
            event.add("location", ical_text(studio.location))
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        event.add("dtstamp", booking.updated_at)
        event.add("last-modified", booking.updated_at)
        event.add("sequence", booking.sequence)
        event.add("status", "CANCELLED" if booking.state is BookingState.cancelled else "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
