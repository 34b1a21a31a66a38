"""The beacon the embed player sends, and the stats it adds up to."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shopcast.api.nul_refusal import RequestModel
from shopcast.api.routes import ID_PATTERN
from shopcast.embed_links import EmbedKind

BeaconType = Literal["view", "play", "progress", "product_impression", "product_click"]


class BeaconIn(RequestModel):
    """`token` is the embed URL's token; it is signed for one object, so the beacon names that object
    too (`asset_id` or `clip_id`, exactly one) and the token is checked against it. `session` is the
    embed page's random id for one viewing; `at_s` the playhead; `sku` only for product beacons."""

    token: str = Field(min_length=1, max_length=400)
    type: BeaconType
    session: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")
    at_s: float = Field(default=0.0, ge=0, le=7 * 86400)
    sku: str | None = Field(default=None, min_length=1, max_length=100)
    asset_id: str | None = Field(default=None, pattern=ID_PATTERN)
    clip_id: str | None = Field(default=None, pattern=ID_PATTERN)

    @property
    def subject(self) -> tuple[EmbedKind, str]:
        """The kind and id of the object it is about."""
        return ("asset", self.asset_id) if self.asset_id is not None else ("clip", self.clip_id or "")

    @model_validator(mode="after")
    def _one_object_and_sku_when_needed(self) -> BeaconIn:
        if (self.asset_id is None) == (self.clip_id is None):
            raise ValueError("name exactly one of asset_id and clip_id")
        if self.type.startswith("product_") and self.sku is None:
            raise ValueError(f"a {self.type} beacon names its sku")
        return self


MAX_BATCH = 20


class BeaconBatchIn(RequestModel):
    """Several beacons in one request, as the embed player sends what gathered within a second: one
    request's cost (the HTTP stack's, most of it) is shared by all of them."""

    beacons: list[BeaconIn] = Field(min_length=1, max_length=MAX_BATCH)


class BeaconBatchOut(BaseModel):
    results: list[Literal["counted", "duplicate", "rate_limited"]] = Field(
        description="each beacon's outcome, in order; rate_limited: its session sent more than a viewer does"
    )


class BeaconOut(BaseModel):
    status: Literal["counted", "duplicate"] = Field(
        description="counted, or duplicate: already counted for this session (a view, a play, an "
        "impression or click of this SKU)"
    )


class ProductStats(BaseModel):
    sku: str
    impressions: int
    clicks: int


class StatsOut(BaseModel):
    views: int
    plays: int
    watch_s: float
    products: list[ProductStats]
