"""Published outputs: the pointers that make a finished ladder or thumbnail set visible, switched
atomically."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow


class HlsOutput(Base):
    __tablename__ = "hls_outputs"

    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    # Object-store prefix holding master.m3u8 and one folder per rung; each job writes its own.
    prefix: Mapped[str] = mapped_column(String(200))
    renditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ThumbnailOutput(Base):
    __tablename__ = "thumbnail_outputs"

    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    # Object-store prefix holding poster.jpg, storyboard.jpg and storyboard.vtt; one per job.
    prefix: Mapped[str] = mapped_column(String(200))
    poster: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"time_s", "width", "height"}
    storyboard: Mapped[dict[str, Any]] = mapped_column(JSON)  # StoryboardGrid.to_json()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SubtitleTrack(Base):
    """One language's subtitles of an asset: Whisper's, or a PD's correction that replaced them."""

    __tablename__ = "subtitle_tracks"

    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)  # ISO 639-1
    kind: Mapped[str] = mapped_column(String(16))  # transcript | translation
    origin: Mapped[str] = mapped_column(String(16))  # whisper | edit
    # Object-store prefix holding <language>.vtt and <language>.srt; each version writes its own.
    prefix: Mapped[str] = mapped_column(String(200))
    cue_count: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
