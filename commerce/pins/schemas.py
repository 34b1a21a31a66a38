"""Pins' API shapes: a product pinned now, and the pins of a stream."""

from __future__ import annotations

from pydantic import BaseModel

from commerce.product_fields import ProductFieldsIn
from shopcast.product_entry import ProductEntry


class PinIn(ProductFieldsIn):
    """A product to pin now: the SKU alone when it is in the stream owner's catalogue; fields given
    here win over the catalogue's."""


class PinOut(ProductEntry):
    """A pin: `start_s`/`end_s` count from the stream's going live; `end_s` is null while pinned."""

    end_s: float | None = None  # type: ignore[assignment]
    pinned_at: str


class PinsOut(BaseModel):
    products: list[PinOut]
