"""Booking studios so that no two bookings ever collide, and cancelling them.

PostgreSQL enforces "no overlap" itself with an exclusion constraint; SQLite has one writer at a
time, so a booking transaction starts by writing its studio row and holds the write lock while it
checks and inserts. Neither is a check-then-insert race.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopcast.auth import ownership
from shopcast.auth.models import Role, User
from shopcast.auth.service import Principal
from shopcast.db import utcnow
from shopcast.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shopcast.events.service import emit
from shopcast.live_urls import rtmp_url, rtmps_url, srt_url
from shopcast.settings import Settings
from studio_booking.models import Booking, BookingState, Studio
from studio_booking.schemas import BookingIn, BookingOut
from studio_booking.stream_keys import key_window, new_stream_key
from studio_booking.studios_service import get_studio, opening_hours


def create_booking(session: Session, principal: Principal, data: BookingIn, settings: Settings) -> Booking:
    """Book `[starts_at, ends_at)`; raises ValidationFailed (422) or Conflict (409, naming the slot,
    or `too_many_bookings` when the creator already holds the most open bookings allowed)."""
    if principal.role not in (Role.creator, Role.admin):
        raise Forbidden("only creators book studios", code="creators_only")
    _serialise_on_sqlite(session, data.studio_id)
    studio = get_studio(session, data.studio_id)
    starts_at, ends_at = data.starts_at.astimezone(ZoneInfo("UTC")), data.ends_at.astimezone(ZoneInfo("UTC"))
    _validate_slot(studio, starts_at, ends_at)
    if principal.role is not Role.admin:
        _check_creator_limits(session, settings, principal.id, starts_at)
    blocked_until = ends_at + timedelta(minutes=studio.buffer_minutes)
    clash = _first_overlap(session, studio, starts_at, blocked_until)
    if clash is not None:
        raise _conflict(studio, clash)
    booking = Booking(
        studio_id=studio.id,
        creator_id=principal.id,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=blocked_until,
        state=BookingState.confirmed,
        stream_key=new_stream_key(),
    )
    session.add(booking)
    try:
        session.flush()
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint: another request booked an overlapping slot first.
        # The failed insert aborted the transaction; look the winner up in a fresh one.
        session.rollback()
        clash = _first_overlap(session, studio, starts_at, blocked_until)
        raise _conflict(studio, clash) from exc
    emit(session, "booking.created", owner_id=principal.id, subject_id=booking.id, data=_event_data(booking))
    return booking


def _serialise_on_sqlite(session: Session, studio_id: str) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Studio).where(Studio.id == studio_id).values(booking_version=Studio.booking_version + 1)
        )


def _validate_slot(studio: Studio, starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed("ends_at must be after starts_at", code="invalid_slot")
    if starts_at < utcnow():
        raise ValidationFailed("starts_at is in the past", code="slot_in_past")
    if ends_at - starts_at > timedelta(hours=studio.max_booking_hours):
        raise ValidationFailed(
            f"bookings of this studio last at most {studio.max_booking_hours} hours", code="slot_too_long"
        )
    if not opening_hours(studio).admits(starts_at, ends_at):
        raise ValidationFailed(
            f"the studio is open {studio.opens_at}-{studio.closes_at} ({studio.timezone}) on "
            f"{', '.join(studio.open_days)}; the slot lies outside",
            code="outside_opening_hours",
        )


def _check_creator_limits(session: Session, settings: Settings, creator_id: str, starts_at: datetime) -> None:
    """One creator may not hold a studio's calendar: bookings start within the horizon, and a
    creator holds at most `max_open_bookings_per_creator` bookings that are confirmed and not over."""
    now = utcnow()
    horizon = now + timedelta(days=settings.booking_horizon_days)
    if starts_at > horizon:
        raise ValidationFailed(
            f"bookings must start within {settings.booking_horizon_days} days, by {horizon:%Y-%m-%d} UTC",
            code="booking_too_far",
        )
    # Holding the creator's row makes the count and the insert one step on PostgreSQL, so two
    # simultaneous requests cannot both take the last open place (SQLite has one writer already).
    session.execute(select(User.id).where(User.id == creator_id).with_for_update())
    held = session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.creator_id == creator_id, Booking.state == BookingState.confirmed)
        .where(Booking.ends_at > now)
    )
    limit = settings.max_open_bookings_per_creator
    if (held or 0) >= limit:
        raise Conflict(
            f"you already hold {held} upcoming bookings, the most allowed ({limit}); cancel one or wait "
            "until one is over",
            code="too_many_bookings",
        )


def _first_overlap(session: Session, studio: Studio, from_: datetime, until: datetime) -> Booking | None:
    """A confirmed booking whose blocked range [starts_at, blocked_until) meets [from_, until):
    the same test as PostgreSQL's exclusion constraint."""
    return session.scalar(
        select(Booking)
        .where(Booking.studio_id == studio.id, Booking.state == BookingState.confirmed)
        .where(Booking.starts_at < until, Booking.blocked_until > from_)
        .order_by(Booking.starts_at)
        .limit(1)
    )


def _conflict(studio: Studio, clash: Booking | None) -> Conflict:
    if clash is None:
        return Conflict("the slot was just booked by someone else", code="slot_taken")
    zone = ZoneInfo(studio.timezone)
    taken = f"{clash.starts_at.astimezone(zone).isoformat()} to {clash.ends_at.astimezone(zone).isoformat()}"
    buffer = f" plus a {studio.buffer_minutes}-minute buffer" if studio.buffer_minutes else ""
    return Conflict(f"the studio is booked from {taken}{buffer}", code="slot_taken")


def get_visible(session: Session, principal: Principal, booking_id: str) -> Booking:
    return ownership.get_visible(session, principal, Booking, booking_id, Booking.creator_id, "booking")


def list_visible(session: Session, principal: Principal, limit: int, cursor: str | None) -> list[Booking]:
    return ownership.page_visible(session, principal, Booking, Booking.creator_id, limit, cursor)


def cancel_booking(session: Session, principal: Principal, booking_id: str) -> Booking:
    """Cancel as its creator or an admin, up to the studio's cut-off before the start."""
    booking = get_visible(session, principal, booking_id)
    if principal.role is not Role.admin and booking.creator_id != principal.id:
        raise NotFound("no such booking")
    if booking.state is BookingState.cancelled:
        return booking
    studio = get_studio(session, booking.studio_id)
    cutoff = booking.starts_at - timedelta(minutes=studio.cancel_cutoff_minutes)
    if principal.role is not Role.admin and utcnow() > cutoff:
        raise Conflict(
            f"bookings of this studio can be cancelled until {studio.cancel_cutoff_minutes} minutes "
            "before they start",
            code="cancellation_closed",
        )
    booking.state = BookingState.cancelled
    booking.sequence += 1
    emit(
        session,
        "booking.cancelled",
        owner_id=booking.creator_id,
        subject_id=booking.id,
        data=_event_data(booking),
    )
    return booking


def _event_data(booking: Booking) -> dict[str, str]:
    return {
        "id": booking.id,
        "studio_id": booking.studio_id,
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "state": booking.state.value,
    }


def to_out(booking: Booking, studio: Studio, settings: Settings) -> BookingOut:
    zone = ZoneInfo(studio.timezone)
    opens, closes = key_window(booking, settings)
    return BookingOut(
        id=booking.id,
        studio_id=booking.studio_id,
        state=booking.state.value,
        starts_at=booking.starts_at.astimezone(zone),
        ends_at=booking.ends_at.astimezone(zone),
        stream_key=booking.stream_key,
        stream_key_valid_from=opens.astimezone(zone),
        stream_key_valid_until=closes.astimezone(zone),
        rtmp_url=rtmp_url(settings),
        rtmps_url=rtmps_url(settings),
        srt_url=srt_url(settings, booking.stream_key),
        created_at=booking.created_at.astimezone(zone),
    )
