"""Studio names and locations are one line of printable text (422 otherwise), and calendars stay
valid RFC 5545 whatever an older row holds: TEXT escaped (backslash, semicolon, comma, line break),
control characters dropped, lines folded at 75 octets."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import update

from shopcast.db import transaction
from studio_booking.models import Studio
from tests.harness.stack import Stack
from tests.studio_booking.helpers import book, future_slot, make_studio

# As a row written before the input check could hold it: line breaks, TEXT's special characters,
# a control character, and enough Hangul to need folding.
STORED_NAME = "Line one\nLine two; with, commas \\ and\x07 bell " + "스튜디오 " * 12
SHOWN_NAME = "Line one\nLine two; with, commas \\ and bell " + "스튜디오 " * 12


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Studio\nB"), ("name", "Studio\rB"), ("name", "Bell\x07"), ("name", "Tab\there"),
     ("name", "Studio\uffff"), ("name", "Studio\u0085"), ("location", "Floor 3\nSeoul")],
    ids=["lf", "cr", "bell", "tab", "u_ffff", "nel", "location_lf"],
)  # fmt: skip
def test_control_characters_in_studio_names_are_refused(stack: Stack, field: str, value: str) -> None:
    with stack.client(stack.user(f"ctl-admin-{field}-{value.encode().hex()}-{stack.name}", "admin")) as admin:
        answer = admin.post("/v1/studios", json={"name": "Studio", field: value})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid"
    assert field in answer.json()["error"]["message"]


def _unfolded_lines(body: bytes) -> list[str]:
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines), [line for line in lines if len(line) > 75]
    text = body.decode("utf-8").replace("\r\n ", "")
    assert not any(ord(c) < 0x20 and c not in "\r\n" for c in text), "raw control characters"
    return text.split("\r\n")


def test_a_stored_studio_name_with_a_line_break_still_gives_a_valid_calendar(stack: Stack) -> None:
    with stack.client(stack.user(f"ics-text-admin-{stack.name}", "admin")) as admin:
        studio = make_studio(admin, name="Plain name", location="Seongsu-dong, Seoul")
    with transaction(stack.runtime.sessions) as session:
        session.execute(update(Studio).where(Studio.id == studio["id"]).values(name=STORED_NAME))
    with stack.client(stack.user(f"ics-text-creator-{stack.name}", "creator")) as client:
        booking = book(client, studio["id"], *future_slot(days=5, hour=10))
        assert booking.status_code == 201, booking.text
        studio_feed = client.get(f"/v1/studios/{studio['id']}/calendar.ics")
        feed_url = client.post("/v1/calendar-feeds").json()["url"]
        personal = client.get("/" + feed_url.split("://", 1)[1].split("/", 1)[1])
    assert studio_feed.status_code == 200, studio_feed.text
    lines = _unfolded_lines(studio_feed.content)
    assert r"X-WR-CALNAME:Line one\nLine two\; with\, commas \\ and bell " in "\n".join(lines)
    assert personal.status_code == 200, personal.text
    for body in (studio_feed.content, personal.content):
        _unfolded_lines(body)
        events = Calendar.from_ical(body).walk("VEVENT")
        assert [str(e["summary"]) for e in events] == [f"Studio booking: {SHOWN_NAME}"]
        assert str(events[0]["location"]) == "Seongsu-dong, Seoul"
