"""Opening hours in a studio's own time zone, and the free slots left between bookings.

Wall-clock times are turned into instants with zoneinfo, so a day with a daylight-saving change is
23 or 25 hours long, as it really is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class OpeningHours:
    """A daily window in local time; `opens`/`closes` None means open all day (and across midnight)."""

    timezone: str
    opens: str | None = None
    closes: str | None = None
    days: tuple[str, ...] = WEEKDAYS

    @property
    def all_day(self) -> bool:
        return self.opens is None and set(self.days) == set(WEEKDAYS)

    def window(self, day: date) -> Interval | None:
        """The open interval (as UTC instants) on a local date, or None when closed that day."""
        if WEEKDAYS[day.weekday()] not in self.days:
            return None
        zone = ZoneInfo(self.timezone)
        start = _local(day, self.opens or "00:00", zone)
        end = _local(day, self.closes or "24:00", zone)
        return start, end

    def admits(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether a booking lies inside opening hours (within one day's window unless open all day)."""
        if self.all_day:
            return True
        local_day = starts_at.astimezone(ZoneInfo(self.timezone)).date()
        window = self.window(local_day)
        return window is not None and window[0] <= starts_at and ends_at <= window[1]


def _local(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    if hours == 24:
        following = day + timedelta(days=1)
        return datetime(following.year, following.month, following.day, tzinfo=zone).astimezone(UTC)
    wall = midnight.replace(hour=hours, minute=minutes)
    return wall.astimezone(UTC)


def free_slots(window: Interval, busy: list[Interval]) -> list[Interval]:
    """Parts of `window` not covered by any busy interval, in order."""
    free: list[Interval] = []
    cursor = window[0]
    for start, end in sorted(busy):
        if end <= cursor or start >= window[1]:
            continue
        if start > cursor:
            free.append((cursor, min(start, window[1])))
        cursor = max(cursor, end)
    if cursor < window[1]:
        free.append((cursor, window[1]))
    return free
