"""Clips: an asset cut by an edit list, with its own MP4 master and HLS ladder."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class ClipState(enum.StrEnum):
    queued = "queued"
    rendering = "rendering"
    ready = "ready"
    failed = "failed"


class Clip(Base):
    __tablename__ = "clips"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    # The asset's owner: a clip is visible to whoever sees its asset.
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[ClipState] = mapped_column(
        Enum(ClipState, native_enum=False, length=16), default=ClipState.queued
    )
    edit: Mapped[dict[str, Any]] = mapped_column(JSON)  # the validated edit list (ClipEdit.to_json())
    products: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # re-timed to the clip
    duration_s: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    # Object-store prefix holding clip.mp4, master.m3u8 and one folder per rung; set when published.
    prefix: Mapped[str | None] = mapped_column(String(200))
    renditions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
