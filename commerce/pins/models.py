"""Products pinned during a live show: each pin holds from its call until the next one (or its end)."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopcast.db import Base
from shopcast.ids import new_id


class ProductPin(Base):
    __tablename__ = "product_pins"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    stream_id: Mapped[str] = mapped_column(ForeignKey("live_streams.id", ondelete="CASCADE"), index=True)
    pinned_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    price: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    # wall clock, epoch seconds with sub-second precision on every database
    start_at: Mapped[float] = mapped_column(Float)
    end_at: Mapped[float | None] = mapped_column(Float)
