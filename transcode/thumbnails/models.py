"""The published pointer that makes a finished thumbnail set visible, switched atomically."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow


class ThumbnailOutput(Base):
    __tablename__ = "thumbnail_outputs"

    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    # Object-store prefix holding poster.jpg, storyboard.jpg and storyboard.vtt; one per job.
    prefix: Mapped[str] = mapped_column(String(200))
    poster: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"time_s", "width", "height"}
    storyboard: Mapped[dict[str, Any]] = mapped_column(JSON)  # StoryboardGrid.to_json()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
