"""An asset's product timeline as the API reads and writes it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from commerce.product_fields import ProductFieldsIn
from shopcast.api.nul_refusal import RequestModel
from shopcast.product_entry import ProductEntry

MAX_ENTRIES = 500


class TimelineEntryIn(ProductFieldsIn):
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)


class TimelineIn(RequestModel):
    products: list[TimelineEntryIn] = Field(max_length=MAX_ENTRIES)
    allow_overlaps: bool = Field(default=False, description="let entries overlap (two products on screen)")


class TimelineOut(BaseModel):
    products: list[ProductEntry]
