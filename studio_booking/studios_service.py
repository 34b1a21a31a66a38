"""Creating and reading studios, and a day's availability."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopcast.auth.models import Role
from shopcast.auth.service import Principal
from shopcast.errors import Forbidden, NotFound
from studio_booking.models import Booking, BookingState, Studio
from studio_booking.opening_hours import WEEKDAYS, Interval, OpeningHours, free_slots
from studio_booking.schemas import AvailabilityOut, OpeningHoursIn, SlotOut, StudioIn, StudioOut


def create_studio(session: Session, principal: Principal, data: StudioIn) -> Studio:
    """Admins create studios; everyone else gets Forbidden."""
    if principal.role is not Role.admin:
        raise Forbidden("only admins create studios", code="admin_only")
    hours = data.opening_hours
    studio = Studio(
        name=data.name,
        location=data.location,
        timezone=data.timezone,
        opens_at=hours.opens if hours else None,
        closes_at=hours.closes if hours else None,
        open_days=list(hours.days) if hours else list(WEEKDAYS),
        buffer_minutes=data.buffer_minutes,
        equipment=data.equipment,
        capacity=data.capacity,
        max_booking_hours=data.max_booking_hours,
        cancel_cutoff_minutes=data.cancel_cutoff_minutes,
    )
    session.add(studio)
    session.flush()
    return studio


def get_studio(session: Session, studio_id: str) -> Studio:
    studio = session.get(Studio, studio_id)
    if studio is None:
        raise NotFound("no such studio")
    return studio


def list_studios(session: Session, limit: int, cursor: str | None) -> list[Studio]:
    query = select(Studio).order_by(Studio.id).limit(limit + 1)
    if cursor:
        query = query.where(Studio.id > cursor)
    return list(session.scalars(query))


def opening_hours(studio: Studio) -> OpeningHours:
    return OpeningHours(studio.timezone, studio.opens_at, studio.closes_at, tuple(studio.open_days))


def availability(session: Session, studio: Studio, day: date) -> AvailabilityOut:
    """The studio's open window on a local date, its confirmed bookings and the free time left.

    Free time leaves each booking's buffer out, so any free slot can be booked as shown.
    """
    zone = ZoneInfo(studio.timezone)
    window = opening_hours(studio).window(day)
    bookings: list[Booking] = []
    if window is not None:
        bookings = list(
            session.scalars(
                select(Booking)
                .where(Booking.studio_id == studio.id, Booking.state == BookingState.confirmed)
                .where(Booking.starts_at < window[1], Booking.blocked_until > window[0])
                .order_by(Booking.starts_at)
            )
        )
    buffer = timedelta(minutes=studio.buffer_minutes)
    busy = [(b.starts_at - buffer, b.blocked_until) for b in bookings]
    return AvailabilityOut(
        studio_id=studio.id,
        date=day.isoformat(),
        timezone=studio.timezone,
        open=_slot((window[0], window[1]), zone) if window else None,
        booked=[_slot((b.starts_at, b.ends_at), zone) for b in bookings],
        free=[_slot(interval, zone) for interval in free_slots(window, busy)] if window else [],
    )


def _slot(interval: Interval, zone: ZoneInfo) -> SlotOut:
    return SlotOut(starts_at=interval[0].astimezone(zone), ends_at=interval[1].astimezone(zone))


def to_out(studio: Studio) -> StudioOut:
    hours = (
        OpeningHoursIn(opens=studio.opens_at, closes=studio.closes_at, days=studio.open_days)
        if studio.opens_at and studio.closes_at
        else None
    )
    return StudioOut(
        id=studio.id,
        name=studio.name,
        location=studio.location,
        timezone=studio.timezone,
        opening_hours=hours,
        buffer_minutes=studio.buffer_minutes,
        equipment=studio.equipment,
        capacity=studio.capacity,
        max_booking_hours=studio.max_booking_hours,
        cancel_cutoff_minutes=studio.cancel_cutoff_minutes,
    )
