"""One creator cannot hold a studio's whole calendar: bookings start within the horizon (422
`booking_too_far` after it, e.g. in 9999), and a creator holds at most so many open bookings (409
`too_many_bookings`; a cancelled one frees its place, and other creators are not affected)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.harness.stack import Stack
from tests.studio_booking.helpers import book, future_slot, make_studio


def test_a_booking_must_start_within_the_horizon(stack: Stack) -> None:
    horizon = stack.settings.booking_horizon_days
    with stack.client(stack.user(f"far-admin-{stack.name}", "admin")) as admin:
        studio = make_studio(admin, name="Far studio")
    with stack.client(stack.user(f"far-creator-{stack.name}", "creator")) as client:
        for slot in (
            ("9999-01-01T10:00:00+00:00", "9999-01-01T22:00:00+00:00"),
            future_slot(horizon + 2, 10),
        ):
            refused = book(client, studio["id"], *slot)
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"]["code"] == "booking_too_far"
            assert f"{horizon} days" in refused.json()["error"]["message"]
        assert book(client, studio["id"], *future_slot(horizon - 2, 10)).status_code == 201


def test_a_creator_holds_at_most_the_allowed_open_bookings(stack: Stack) -> None:
    limit = stack.settings.max_open_bookings_per_creator
    with stack.client(stack.user(f"cap-admin-{stack.name}", "admin")) as admin:
        studio = make_studio(admin, name="Cap studio", max_booking_hours=12)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    slots = [
        (start + timedelta(hours=12 * i), start + timedelta(hours=12 * (i + 1))) for i in range(limit + 2)
    ]
    as_text = [(a.isoformat(), b.isoformat()) for a, b in slots]
    with stack.client(stack.user(f"hoarder-{stack.name}", "creator")) as client:
        held = [book(client, studio["id"], *slot) for slot in as_text[:limit]]
        assert [answer.status_code for answer in held] == [201] * limit, [a.text for a in held]
        refused = book(client, studio["id"], *as_text[limit])
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "too_many_bookings"
        assert str(limit) in refused.json()["error"]["message"]
        assert client.delete(f"/v1/bookings/{held[0].json()['id']}").status_code == 200
        assert book(client, studio["id"], *as_text[limit]).status_code == 201, "a cancelled one frees a place"
        assert book(client, studio["id"], *as_text[limit + 1]).json()["error"]["code"] == "too_many_bookings"
    with stack.client(stack.user(f"not-hoarder-{stack.name}", "creator")) as other:
        assert book(other, studio["id"], *as_text[limit + 1]).status_code == 201
