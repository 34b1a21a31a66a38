"""A tus upload that fills an asset (an upload's id is its asset's id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime


class Upload(Base):
    __tablename__ = "uploads"

    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    staging: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lock_token: Mapped[str | None] = mapped_column(String(32))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
