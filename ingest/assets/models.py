"""Assets and the tus uploads that fill them (an upload's id is its asset's id)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class AssetState(enum.StrEnum):
    uploading = "uploading"
    processing = "processing"
    ready = "ready"
    rejected = "rejected"
    failed = "failed"


class Asset(Base):
    __tablename__ = "assets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[AssetState] = mapped_column(Enum(AssetState, native_enum=False, length=16))
    title: Mapped[str | None] = mapped_column(String(500))
    filename: Mapped[str | None] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the product timeline: shopcast.product_entry dicts in time order (a recording's pins, or a PD's)
    products: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def source_key(asset_id: str) -> str:
    """Where an asset's original bytes live in the object store."""
    return f"assets/{asset_id}/source"
