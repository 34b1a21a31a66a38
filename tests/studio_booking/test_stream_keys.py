"""A booking's stream key is valid from 15 minutes before its slot to 15 minutes after.

The WHIP endpoint calls this function; it is checked here directly, against
a real database, rather than a live publish.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopcast.auth.models import Role
from shopcast.auth.service import Principal, create_user
from shopcast.db import transaction, utcnow
from shopcast.errors import Forbidden, Unauthorized
from shopcast.runtime import Runtime
from studio_booking.bookings_service import cancel_booking, create_booking
from studio_booking.models import Booking
from studio_booking.schemas import BookingIn, StudioIn
from studio_booking.stream_keys import booking_for_stream_key
from studio_booking.studios_service import create_studio


def _booking(runtime: Runtime) -> tuple[Booking, Principal]:
    with transaction(runtime.sessions) as session:
        admin_user, _ = create_user(session, "admin", Role.admin)
        creator_user, _ = create_user(session, "creator", Role.creator)
        admin = Principal(admin_user.id, admin_user.name, admin_user.role)
        creator = Principal(creator_user.id, creator_user.name, creator_user.role)
        studio = create_studio(session, admin, StudioIn(name="Live studio"))
        start = utcnow() + timedelta(days=1)
        booking = create_booking(
            session,
            creator,
            BookingIn(studio_id=studio.id, starts_at=start, ends_at=start + timedelta(hours=2)),
            runtime.settings,
        )
        session.expunge(booking)
        return booking, creator


def test_key_opens_fifteen_minutes_early_and_closes_fifteen_minutes_late(runtime: Runtime) -> None:
    booking, _ = _booking(runtime)
    settings = runtime.settings
    with runtime.sessions() as session:
        for moment in (
            booking.starts_at - timedelta(minutes=15),
            booking.starts_at + timedelta(minutes=30),
            booking.ends_at + timedelta(minutes=15),
        ):
            assert booking_for_stream_key(session, booking.stream_key, moment, settings).id == booking.id
        for moment in (booking.starts_at - timedelta(minutes=16), booking.ends_at + timedelta(minutes=16)):
            with pytest.raises(Forbidden) as refused:
                booking_for_stream_key(session, booking.stream_key, moment, settings)
            assert refused.value.status == 403
            assert refused.value.code == "outside_booking_window"


def test_unknown_key_is_401_and_cancelled_booking_is_403(runtime: Runtime) -> None:
    booking, creator = _booking(runtime)
    with runtime.sessions() as session:
        with pytest.raises(Unauthorized) as unknown:
            booking_for_stream_key(session, "sk_made_up", booking.starts_at, runtime.settings)
        assert unknown.value.status == 401
    with transaction(runtime.sessions) as session:
        cancel_booking(session, creator, booking.id)
    with runtime.sessions() as session, pytest.raises(Forbidden) as cancelled:
        booking_for_stream_key(session, booking.stream_key, booking.starts_at, runtime.settings)
    assert cancelled.value.code == "booking_cancelled"
