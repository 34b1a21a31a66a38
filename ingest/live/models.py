"""Live streams: a stream key, its state, where its recording lives, and the asset it became."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class LiveState(enum.StrEnum):
    idle = "idle"  # nobody has published yet
    live = "live"  # a publisher is connected, or reconnecting within the grace period
    ended = "ended"  # the recording was handed to the asset pipeline


class LiveStream(Base):
    __tablename__ = "live_streams"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(500))
    stream_key: Mapped[str] = mapped_column(String(64), unique=True)
    booking_id: Mapped[str | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), unique=True, index=True
    )
    state: Mapped[LiveState] = mapped_column(Enum(LiveState, native_enum=False, length=16))
    # The session publishing now, and the API node (its data directory) that records it.
    session_id: Mapped[str | None] = mapped_column(String(32))
    # the protocol of the current or last session: whip, rtmp or srt
    ingest: Mapped[str | None] = mapped_column(String(8))
    node: Mapped[str | None] = mapped_column(String(1000))
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # live captions: {"language": "ko", "translate": ["en"]}, or null (off: they cost CPU)
    captions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    asset_id: Mapped[str | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
