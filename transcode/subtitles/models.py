"""Subtitle tracks of an asset: which version of each language is live."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow


class SubtitleTrack(Base):
    """One language's subtitles of an asset: Whisper's, or a PD's correction that replaced them."""

    __tablename__ = "subtitle_tracks"

    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)  # ISO 639-1
    kind: Mapped[str] = mapped_column(String(16))  # transcript | translation
    # whisper (the subtitles job) | edit (a PD's correction) | translator (a text translator's
    # translation of the PD's corrected transcript)
    origin: Mapped[str] = mapped_column(String(16))
    quality: Mapped[str] = mapped_column(String(8), default="ok")  # ok | draft (quality.py)
    # Object-store prefix holding <language>.vtt and <language>.srt; each version writes its own.
    prefix: Mapped[str] = mapped_column(String(200))
    cue_count: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SubtitleLeftover(Base):
    """A replaced version's files of one language, kept because a render of the asset was running
    when it was replaced; a sweep deletes them once no render is (transcode/subtitles/retention.py)."""

    __tablename__ = "subtitle_leftovers"

    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(200), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    kept_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
