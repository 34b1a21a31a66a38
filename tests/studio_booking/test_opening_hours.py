"""Opening windows and free slots, computed in the studio's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from studio_booking.opening_hours import OpeningHours, free_slots


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_autumn_change_day_is_25_hours_long_in_berlin() -> None:
    window = OpeningHours("Europe/Berlin").window(date(2027, 10, 31))
    assert window is not None
    assert window[1] - window[0] == timedelta(hours=25)


def test_closed_weekday_has_no_window_and_admits_nothing() -> None:
    hours = OpeningHours("Asia/Seoul", "09:00", "18:00", ("mon", "tue", "wed", "thu", "fri"))
    assert hours.window(date(2027, 1, 2)) is None  # a Saturday
    assert not hours.admits(_utc("2027-01-02T10:00:00+09:00"), _utc("2027-01-02T11:00:00+09:00"))
    assert hours.admits(_utc("2027-01-04T09:00:00+09:00"), _utc("2027-01-04T18:00:00+09:00"))


def test_closing_at_midnight_is_written_24_00() -> None:
    window = OpeningHours("Asia/Seoul", "18:00", "24:00").window(date(2027, 1, 4))
    assert window == (_utc("2027-01-04T18:00:00+09:00"), _utc("2027-01-05T00:00:00+09:00"))


def test_free_slots_leave_out_bookings_and_their_buffers() -> None:
    day = (_utc("2027-01-04T09:00:00+09:00"), _utc("2027-01-04T18:00:00+09:00"))
    busy = [
        (_utc("2027-01-04T09:30:00+09:00"), _utc("2027-01-04T11:30:00+09:00")),
        (_utc("2027-01-04T11:00:00+09:00"), _utc("2027-01-04T12:00:00+09:00")),
        (_utc("2027-01-04T17:30:00+09:00"), _utc("2027-01-04T19:00:00+09:00")),
    ]
    assert free_slots(day, busy) == [
        (_utc("2027-01-04T09:00:00+09:00"), _utc("2027-01-04T09:30:00+09:00")),
        (_utc("2027-01-04T12:00:00+09:00"), _utc("2027-01-04T17:30:00+09:00")),
    ]
