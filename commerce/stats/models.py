"""What the embed player's beacons leave behind: one row per viewer session of an asset or a clip,
holding that session's counters, and one row per thing counted once per session (its view, its play,
each SKU's impression and click).

No viewer's address is stored. A session is the embed's own random id, and the row's key is a hash
of it with the object, so one progress beacon is one UPDATE of one row, never a new row.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base


class ViewerSession(Base):
    __tablename__ = "viewer_sessions"
    __table_args__ = (Index("ix_viewer_sessions_object", "object_kind", "object_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # session_key(kind, object, session)
    object_kind: Mapped[str] = mapped_column(String(8))  # asset or clip
    object_id: Mapped[str] = mapped_column(String(32))
    # wall clock, epoch seconds: when the first beacon came, and the last progress or play
    started_at: Mapped[float] = mapped_column(Float)
    last_tick: Mapped[float | None] = mapped_column(Float)
    last_at_s: Mapped[float | None] = mapped_column(Float)  # the playhead at last_tick
    beacons: Mapped[int] = mapped_column(Integer, default=0)  # accepted ones, for the rate bound
    watch_s: Mapped[float] = mapped_column(Float, default=0.0)


class ViewerMark(Base):
    """`view`, `play`, `product_impression` or `product_click` (with its SKU; "" for the others)."""

    __tablename__ = "viewer_marks"

    viewer_session_id: Mapped[str] = mapped_column(
        ForeignKey("viewer_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(24), primary_key=True)
    sku: Mapped[str] = mapped_column(String(100), primary_key=True, default="")
