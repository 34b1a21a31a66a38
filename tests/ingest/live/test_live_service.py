"""Stream keys against a real database: a booking key's first publish makes its stream once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ingest.live.models import LiveState, LiveStream
from ingest.live.service import stream_for_key
from shopcast.auth.models import Role
from shopcast.auth.service import Principal, create_user
from shopcast.db import transaction, utcnow
from shopcast.runtime import Runtime
from studio_booking.bookings_service import create_booking
from studio_booking.models import Booking
from studio_booking.schemas import BookingIn, StudioIn
from studio_booking.studios_service import create_studio


def _booking_starting_soon(runtime: Runtime) -> Booking:
    with transaction(runtime.sessions) as session:
        admin_user, _ = create_user(session, "admin", Role.admin)
        creator_user, _ = create_user(session, "creator", Role.creator)
        admin = Principal(admin_user.id, admin_user.name, admin_user.role)
        creator = Principal(creator_user.id, creator_user.name, creator_user.role)
        studio = create_studio(session, admin, StudioIn(name="Live studio"))
        start = utcnow() + timedelta(minutes=5)
        booking = create_booking(
            session,
            creator,
            BookingIn(studio_id=studio.id, starts_at=start, ends_at=start + timedelta(hours=1)),
            runtime.settings,
        )
        session.expunge(booking)
        return booking


def test_two_first_publishes_of_a_booking_key_at_once_share_one_stream(runtime: Runtime) -> None:
    booking = _booking_starting_soon(runtime)
    rival: list[str] = []

    def rival_commits_first(_session: Session, *_args: object) -> None:
        # The other publisher's request also found no stream; it inserts and commits just before us
        if not rival:
            with transaction(runtime.sessions) as other:
                rival.append(stream_for_key(other, booking.stream_key, utcnow(), runtime.settings).id)

    with transaction(runtime.sessions) as session:
        event.listen(session, "before_flush", rival_commits_first)
        stream = stream_for_key(session, booking.stream_key, utcnow(), runtime.settings)
        assert rival, "the rival's insert ran while this publish was making the stream"
        assert stream.id == rival[0]
        assert (stream.booking_id, stream.state) == (booking.id, LiveState.idle)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LiveStream)) == 1
