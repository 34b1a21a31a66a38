"""Restream destinations: where a live stream is pushed while it runs, and the ones a creator keeps
for every new stream. The URL holds the platform's stream key, so it is stored sealed; what the API
shows is a masked copy."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class PushState(enum.StrEnum):
    idle = "idle"  # the stream is not live, or the destination is disabled
    connecting = "connecting"
    live = "live"
    retrying = "retrying"  # dropped or refused: tried again with backoff while the stream lives
    failed = "failed"  # cannot work as it is (a private address, a codec the protocol cannot carry)


class Destination(Base):
    __tablename__ = "restream_destinations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    stream_id: Mapped[str] = mapped_column(ForeignKey("live_streams.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url_sealed: Mapped[str] = mapped_column(Text)
    url_masked: Mapped[str] = mapped_column(String(2100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[PushState] = mapped_column(
        Enum(PushState, native_enum=False, length=16), default=PushState.idle
    )
    last_error: Mapped[str | None] = mapped_column(String(500))
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    kbps: Mapped[float | None] = mapped_column(Float)
    live_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SavedDestination(Base):
    """A creator's destination that each new live stream of theirs (a booking's too) starts with."""

    __tablename__ = "saved_restream_destinations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url_sealed: Mapped[str] = mapped_column(Text)
    url_masked: Mapped[str] = mapped_column(String(2100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
