"""Highlight proposals of an asset: where a product is pitched (or the show peaks), and what a PD
made of each."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base, UTCDateTime, utcnow
from shopcast.ids import new_id


class HighlightState(enum.StrEnum):
    proposed = "proposed"
    accepted = "accepted"  # rendered as a clip (`clip_id`)
    dismissed = "dismissed"


class Highlight(Base):
    __tablename__ = "highlights"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(1000))
    # the product pitched (sku, name, url, price, currency, image_url), or null for a peak
    product: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    state: Mapped[HighlightState] = mapped_column(
        Enum(HighlightState, native_enum=False, length=16), default=HighlightState.proposed
    )
    clip_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
