"""Request and response shapes of studios, bookings and calendar feeds."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from shopcast.api.nul_refusal import RequestModel
from shopcast.xml_text import is_interchangeable

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALL_DAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"


class OpeningHoursIn(RequestModel):
    opens: str = Field(pattern=_HHMM, examples=["09:00"])
    closes: str = Field(pattern=_HHMM, examples=["21:00"])
    days: list[Weekday] = Field(default_factory=lambda: list(ALL_DAYS), min_length=1)

    @model_validator(mode="after")
    def _closes_after_opening(self) -> OpeningHoursIn:
        if self.closes <= self.opens:
            raise ValueError("closes must be later than opens on the same day")
        return self


class StudioIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    location: str | None = Field(default=None, max_length=500)
    timezone: str = Field(default="Asia/Seoul", max_length=64)
    opening_hours: OpeningHoursIn | None = None
    buffer_minutes: int = Field(default=0, ge=0, le=24 * 60)
    equipment: list[str] = Field(default_factory=list, max_length=100)
    capacity: int = Field(default=1, ge=1, le=1000)
    max_booking_hours: int = Field(default=12, ge=1, le=24 * 7)
    cancel_cutoff_minutes: int = Field(default=0, ge=0, le=30 * 24 * 60)

    @field_validator("name", "location")
    @classmethod
    def _one_printable_line(cls, value: str | None) -> str | None:
        # Names end up in calendar feeds and pages as one line: a line break or other control
        # character (or a noncharacter) has no place in them.
        if value is not None and (
            any(unicodedata.category(c) == "Cc" for c in value) or not is_interchangeable(value)
        ):
            raise ValueError("must be one line of printable text (no line breaks or control characters)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Seoul") from exc
        return value


class StudioOut(BaseModel):
    id: str
    name: str
    location: str | None
    timezone: str
    opening_hours: OpeningHoursIn | None
    buffer_minutes: int
    equipment: list[str]
    capacity: int
    max_booking_hours: int
    cancel_cutoff_minutes: int


class BookingIn(RequestModel):
    studio_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    # What depends on the clock, the studio or the settings is told, not expressible as a schema.
    starts_at: AwareDatetime = Field(
        description="with its UTC offset; not past (slot_in_past), "
        "within booking_horizon_days (booking_too_far)"
    )
    ends_at: AwareDatetime = Field(
        description="after starts_at (invalid_slot), at most the studio's max_booking_hours later "
        "(slot_too_long), the whole slot within its opening hours (outside_opening_hours)"
    )


class BookingOut(BaseModel):
    id: str
    studio_id: str
    state: Literal["confirmed", "cancelled"]
    starts_at: datetime
    ends_at: datetime
    stream_key: str
    stream_key_valid_from: datetime
    stream_key_valid_until: datetime
    # where a studio encoder sends this booking's show: OBS's server (+ the stream key), SRT's URL
    rtmp_url: str | None
    rtmps_url: str | None
    srt_url: str | None
    created_at: datetime


class SlotOut(BaseModel):
    starts_at: datetime
    ends_at: datetime


class AvailabilityOut(BaseModel):
    studio_id: str
    date: str
    timezone: str
    open: SlotOut | None
    booked: list[SlotOut]
    free: list[SlotOut]


class CalendarFeedOut(BaseModel):
    url: str
