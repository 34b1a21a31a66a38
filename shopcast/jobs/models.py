"""Job rows: the source of truth for background work, whatever the broker remembers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class JobState(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    asset_id: Mapped[str | None] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # A part of a bigger job (a chunk of a split transcode) names the job it belongs to.
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the handler needs beyond the asset
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # written by the finisher, for a parent
    queue: Mapped[str] = mapped_column(String(32))
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, native_enum=False, length=16), default=JobState.queued, index=True
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    speed: Mapped[float | None] = mapped_column(Float)  # media seconds per second, while running
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
