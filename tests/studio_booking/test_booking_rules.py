"""Booking rules: clear 422s, opening hours in the studio's zone across DST, cancellation, privacy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shopcast.events.models import Event
from studio_booking.models import Booking
from tests.harness.stack import Stack
from tests.studio_booking.helpers import book, future_slot, make_studio


@pytest.fixture
def studio(stack: Stack, request: pytest.FixtureRequest) -> dict[str, object]:
    with stack.client(stack.user(f"rules-admin-{request.node.name}-{stack.name}", "admin")) as admin:
        return make_studio(
            admin, name="Rules", opening_hours={"opens": "09:00", "closes": "21:00"}, max_booking_hours=4
        )


@pytest.mark.parametrize(
    ("slot", "code"),
    [
        (future_slot(days=-1, hour=10), "slot_in_past"),
        ((future_slot(2, 10)[0], future_slot(2, 10)[0]), "invalid_slot"),
        ((future_slot(2, 12)[0], future_slot(2, 10)[0]), "invalid_slot"),
        (future_slot(days=2, hour=10, hours=5), "slot_too_long"),
        (future_slot(days=2, hour=7), "outside_opening_hours"),
        (future_slot(days=2, hour=20, hours=2), "outside_opening_hours"),
    ],
    ids=["past", "zero_length", "negative_length", "too_long", "before_opening", "past_closing"],
)
def test_bad_slot_is_422_with_a_clear_code(
    stack: Stack, studio: dict[str, object], slot: tuple[str, str], code: str
) -> None:
    with stack.client(stack.user(f"bad-slot-{code}-{slot[0]}-{stack.name}", "creator")) as client:
        response = book(client, str(studio["id"]), *slot)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_times_without_offset_are_refused(stack: Stack, studio: dict[str, object]) -> None:
    with stack.client(stack.user(f"naive-{stack.name}", "creator")) as client:
        response = book(client, str(studio["id"]), "2030-01-10T10:00:00", "2030-01-10T11:00:00")
    assert response.status_code == 422


def test_booking_across_the_spring_forward_change_in_berlin(stack: Stack) -> None:
    """Berlin springs forward on 2027-03-28: 02:00 CET becomes 03:00 CEST, so that day has 23 hours."""
    with stack.client(stack.user(f"berlin-admin-{stack.name}", "admin")) as admin:
        allday = make_studio(admin, name="Berlin all day", timezone="Europe/Berlin")
        hours = make_studio(
            admin,
            name="Berlin 8-20",
            timezone="Europe/Berlin",
            opening_hours={"opens": "08:00", "closes": "20:00"},
        )
    with stack.client(stack.user(f"berliner-{stack.name}", "creator")) as client:
        across = book(client, allday["id"], "2027-03-28T01:00:00+01:00", "2027-03-28T04:00:00+02:00")
        assert across.status_code == 201, across.text
        booked = across.json()
        assert booked["starts_at"] == "2027-03-28T01:00:00+01:00"
        assert booked["ends_at"] == "2027-03-28T04:00:00+02:00"
        assert _hours(booked["starts_at"], booked["ends_at"]) == 2.0

        day = client.get(f"/v1/studios/{allday['id']}/availability", params={"date": "2027-03-28"}).json()
        assert day["open"] == {
            "starts_at": "2027-03-28T00:00:00+01:00",
            "ends_at": "2027-03-29T00:00:00+02:00",
        }
        free_hours = sum(_hours(s["starts_at"], s["ends_at"]) for s in day["free"])
        assert free_hours == 23.0 - 2.0

        assert (
            book(client, hours["id"], "2027-03-26T08:00:00+01:00", "2027-03-26T09:00:00+01:00").status_code
            == 201
        )
        assert (
            book(client, hours["id"], "2027-03-29T08:00:00+02:00", "2027-03-29T09:00:00+02:00").status_code
            == 201
        )
        early = book(client, hours["id"], "2027-03-29T07:30:00+02:00", "2027-03-29T08:30:00+02:00")
        assert early.status_code == 422


def _hours(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)) / timedelta(hours=1)


def test_times_are_stored_in_utc_and_shown_in_the_studio_zone(
    stack: Stack, studio: dict[str, object]
) -> None:
    starts_at, ends_at = future_slot(days=6, hour=10)
    in_utc = [datetime.fromisoformat(t).astimezone(UTC).isoformat() for t in (starts_at, ends_at)]
    with stack.client(stack.user(f"utc-{stack.name}", "creator")) as client:
        created = book(client, str(studio["id"]), *in_utc)
    assert created.status_code == 201, created.text
    assert created.json()["starts_at"] == starts_at
    assert starts_at.endswith("+09:00")
    with stack.runtime.sessions() as session:
        stored = session.get(Booking, created.json()["id"])
        assert stored is not None
        assert stored.starts_at.utcoffset() == timedelta(0)
        assert stored.starts_at == datetime.fromisoformat(starts_at)


def test_cancellation_respects_the_cutoff_and_emits_events(stack: Stack) -> None:
    with stack.client(stack.user(f"cut-admin-{stack.name}", "admin")) as admin:
        strict = make_studio(admin, name="Strict", cancel_cutoff_minutes=48 * 60)
    with stack.client(stack.user(f"canceller-{stack.name}", "creator")) as client:
        soon = book(client, strict["id"], *future_slot(days=1, hour=12)).json()
        late = client.delete(f"/v1/bookings/{soon['id']}")
        assert late.status_code == 409
        assert late.json()["error"]["code"] == "cancellation_closed"
        later = book(client, strict["id"], *future_slot(days=5, hour=12)).json()
        cancelled = client.delete(f"/v1/bookings/{later['id']}")
        assert cancelled.status_code == 200
        assert cancelled.json()["state"] == "cancelled"
        assert book(client, strict["id"], *future_slot(days=5, hour=12)).status_code == 201
    assert _events(stack, later["id"]) == {"booking.created": 1, "booking.cancelled": 1}


def _events(stack: Stack, booking_id: str) -> dict[str, int]:
    with stack.runtime.sessions() as session:
        rows = session.execute(
            select(Event.type, func.count()).where(Event.subject_id == booking_id).group_by(Event.type)
        )
        return {type_: int(count) for type_, count in rows}


def test_a_creator_cannot_see_or_cancel_another_creators_booking(
    stack: Stack, studio: dict[str, object]
) -> None:
    with stack.client(stack.user(f"mine-{stack.name}", "creator")) as owner:
        booking = book(owner, str(studio["id"]), *future_slot(days=7, hour=10)).json()
    with stack.client(stack.user(f"theirs-{stack.name}", "creator")) as other:
        assert other.get(f"/v1/bookings/{booking['id']}").status_code == 404
        assert other.delete(f"/v1/bookings/{booking['id']}").status_code == 404
        assert booking["id"] not in [b["id"] for b in other.get("/v1/bookings").json()["items"]]
    with stack.client(stack.user(f"mine-admin-{stack.name}", "admin")) as admin:
        assert admin.get(f"/v1/bookings/{booking['id']}").json()["state"] == "confirmed"


def test_only_admins_create_studios(stack: Stack) -> None:
    with stack.client(stack.user(f"not-admin-{stack.name}", "creator")) as client:
        response = client.post("/v1/studios", json={"name": "Mine"})
    assert response.status_code == 403


def test_studio_defaults_follow_the_design(stack: Stack) -> None:
    with stack.client(stack.user(f"defaults-admin-{stack.name}", "admin")) as admin:
        studio = make_studio(admin, name="Defaults")
    assert studio["timezone"] == "Asia/Seoul"
    assert studio["opening_hours"] is None
    assert studio["buffer_minutes"] == 0
