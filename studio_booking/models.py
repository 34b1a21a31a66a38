"""Studios, their bookings, and the calendar feed tokens that let calendar apps subscribe."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class BookingState(enum.StrEnum):
    confirmed = "confirmed"
    cancelled = "cancelled"


class Studio(Base):
    __tablename__ = "studios"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64))
    opens_at: Mapped[str | None] = mapped_column(String(5))  # local HH:MM; None: open all day
    closes_at: Mapped[str | None] = mapped_column(String(5))  # local HH:MM, "24:00" for midnight
    open_days: Mapped[list[str]] = mapped_column(JSON)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    max_booking_hours: Mapped[int] = mapped_column(Integer, default=12)
    cancel_cutoff_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Written first by every booking transaction: on SQLite that takes the one write lock.
    booking_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    studio_id: Mapped[str] = mapped_column(ForeignKey("studios.id", ondelete="CASCADE"), index=True)
    creator_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # ends_at plus the studio's buffer when booked: the slot no other booking may overlap.
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[BookingState] = mapped_column(Enum(BookingState, native_enum=False, length=16))
    stream_key: Mapped[str] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class CalendarFeed(Base):
    __tablename__ = "calendar_feeds"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
