"""iCalendar feeds: valid RFC 5545 with UTC times; a cancellation keeps the UID and raises SEQUENCE."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from icalendar import Calendar

from tests.harness.stack import Stack
from tests.studio_booking.helpers import book, future_slot, make_studio


def _events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_studio_calendar_lists_bookings_and_cancellations(stack: Stack) -> None:
    with stack.client(stack.user(f"ics-admin-{stack.name}", "admin")) as admin:
        studio = make_studio(admin, name="Calendar studio", location="Seongsu-dong, Seoul")
    with stack.client(stack.user(f"ics-creator-{stack.name}", "creator")) as client:
        kept = book(client, studio["id"], *future_slot(days=8, hour=10)).json()
        dropped = book(client, studio["id"], *future_slot(days=8, hour=13)).json()
        client.delete(f"/v1/bookings/{dropped['id']}")
        response = client.get(f"/v1/studios/{studio['id']}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = _events(response.content)
    kept_event, dropped_event = events[f"{kept['id']}@shopcast"], events[f"{dropped['id']}@shopcast"]
    assert kept_event.decoded("dtstart").astimezone(UTC) == datetime.fromisoformat(
        kept["starts_at"]
    ).astimezone(UTC)
    assert kept_event.decoded("dtend").astimezone(UTC) == datetime.fromisoformat(kept["ends_at"]).astimezone(
        UTC
    )
    assert str(kept_event["status"]) == "CONFIRMED"
    assert int(kept_event["sequence"]) == 0
    assert str(dropped_event["status"]) == "CANCELLED"
    assert int(dropped_event["sequence"]) == 1
    assert str(kept_event["location"]) == "Seongsu-dong, Seoul"


def test_personal_feed_url_works_without_headers_until_rotated(stack: Stack) -> None:
    with stack.client(stack.user(f"feed-admin-{stack.name}", "admin")) as admin:
        studio = make_studio(admin, name="Feed studio")
    with stack.client(stack.user(f"feed-creator-{stack.name}", "creator")) as client:
        booking = book(client, studio["id"], *future_slot(days=9, hour=10)).json()
        first_url = client.post("/v1/calendar-feeds").json()["url"]
        path = first_url.split("://", 1)[1].split("/", 1)[1]
        anonymous = httpx.get(f"{stack.base_url}/{path}")
        assert anonymous.status_code == 200
        assert f"{booking['id']}@shopcast" in _events(anonymous.content)
        studio_feed = httpx.get(
            f"{stack.base_url}/v1/studios/{studio['id']}/calendar.ics",
            params={"feed": path.rsplit("/", 1)[-1][:-4]},
        )
        assert studio_feed.status_code == 200
        client.post("/v1/calendar-feeds")
        assert httpx.get(f"{stack.base_url}/{path}").status_code == 401
    assert httpx.get(f"{stack.base_url}/v1/studios/{studio['id']}/calendar.ics").status_code == 401
