"""Published outputs: the pointers that make a finished ladder or thumbnail set visible, switched
atomically."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow


class HlsOutput(Base):
    __tablename__ = "hls_outputs"

    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    # Object-store prefix holding master.m3u8 and one folder per rung; each job writes its own.
    prefix: Mapped[str] = mapped_column(String(200))
    renditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
