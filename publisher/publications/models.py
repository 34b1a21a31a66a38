"""Publications (a clip or asset conformed to a channel) and their delivery receipts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class PublicationState(enum.StrEnum):
    queued = "queued"
    rendering = "rendering"
    delivering = "delivering"
    delivered = "delivered"
    failed = "failed"


# A clip (or a whole asset) has at most one publication per channel that has not failed, so two
# concurrent POSTs cannot both create one; a failed one leaves room for a re-publication.
_LIVE_CLIP = text("state != 'failed' AND clip_id IS NOT NULL")
_LIVE_ASSET = text("state != 'failed' AND clip_id IS NULL")


class Publication(Base):
    __tablename__ = "publications"
    __table_args__ = (
        Index(
            "uq_publications_live_clip",
            "channel_id",
            "clip_id",
            unique=True,
            postgresql_where=_LIVE_CLIP,
            sqlite_where=_LIVE_CLIP,
        ),
        Index(
            "uq_publications_live_asset",
            "channel_id",
            "asset_id",
            unique=True,
            postgresql_where=_LIVE_ASSET,
            sqlite_where=_LIVE_ASSET,
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    # The asset's owner: a publication is visible to whoever sees its asset, and to its channel's partners.
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    clip_id: Mapped[str | None] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    state: Mapped[PublicationState] = mapped_column(
        Enum(PublicationState, native_enum=False, length=16), default=PublicationState.queued
    )
    fit: Mapped[str | None] = mapped_column(String(8))  # crop or pad: the profile's unless the request says
    violations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    render_job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    deliver_job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    # Object-store prefix of the conformed file and its sidecars, set when the render passed the check.
    output_prefix: Mapped[str | None] = mapped_column(String(200))
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # name, size, sha256, language
    duration_s: Mapped[float | None] = mapped_column(Float)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class PublicationReceipt(Base):
    """Proof of one delivery: where the file went and what arrived. One per publication."""

    __tablename__ = "publication_receipts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    publication_id: Mapped[str] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    key: Mapped[str] = mapped_column(String(1000))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(200))
    sidecars: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
