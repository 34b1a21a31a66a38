"""Request and response shapes of the clips API (the API contract: these names are fixed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, FiniteFloat
from pydantic.dataclasses import dataclass

from shopcast.api.nul_refusal import RequestModel
from shopcast.errors import ErrorInfo
from shopcast.media.rendition import Rendition

Seconds = Annotated[FiniteFloat, Field(description="seconds on the source's timeline")]
# The bounds below are described, not enforced at parse time: validation lists every problem of an
# edit in one 422 invalid_edit.
Share = Annotated[
    FiniteFloat,
    Field(
        description="0 (left or top edge) to 1 (right or bottom edge)",
        json_schema_extra={"minimum": 0, "maximum": 1},
    ),
]
StartSeconds = Annotated[Seconds, Field(json_schema_extra={"minimum": 0})]
RANGES_CEILING = 1000  # the most ranges a request may carry; Settings.clip_max_ranges stays below it
Position = Literal["top-left", "top", "top-right", "bottom-left", "bottom", "bottom-right"]


class RangeIn(RequestModel):
    in_s: StartSeconds
    out_s: Seconds


class FocusPointIn(RequestModel):
    x: Share = 0.5
    y: Share = 0.5


class FocusKeyframeIn(RequestModel):
    at_s: StartSeconds
    x: Share
    y: Share


class OverlayIn(RequestModel):
    """One line of text: `text`, or a product's `name` and `price`."""

    text: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    price: str | FiniteFloat | None = Field(
        default=None, description="shown as given; numbers get separators"
    )
    position: Position = "bottom-left"
    from_s: Seconds | None = Field(default=None, description="source time; default: the source's start")
    to_s: Seconds | None = Field(default=None, description="source time; default: the source's end")


class ProductIn(RequestModel):
    sku: str = Field(max_length=100)
    name: str = Field(max_length=200)
    url: str = Field(max_length=2000)
    at_s: Seconds


class ClipIn(RequestModel):
    asset_id: str = Field(pattern=r"^[0-9a-f]{32}$")
    # The parse-time ceiling only bounds the request's size; the real limits are settings
    # (`clip_max_ranges`, `clip_max_total_s`), checked when the clip is created.
    ranges: list[RangeIn] = Field(
        max_length=RANGES_CEILING,
        description=(
            "played one after another; at most the server's clip_max_ranges ranges (20 by default) "
            "lasting clip_max_total_s seconds in all (600 by default), else 422 too_many_ranges or "
            "clip_too_long"
        ),
        json_schema_extra={"minItems": 1},  # described: validation answers invalid_edit
    )
    aspect: Literal["16:9", "9:16", "1:1"] | None = Field(default=None, description="default: the source's")
    focus: FocusPointIn | list[FocusKeyframeIn] | None = Field(
        default=None, description="a point, or keyframes the crop moves between; default: the centre"
    )
    burn_subtitles: str | None = Field(default=None, max_length=8, description="a language with subtitles")
    title: str | None = Field(default=None, max_length=200)
    overlays: list[OverlayIn] = Field(default_factory=list, max_length=20)
    products: list[ProductIn] = Field(default_factory=list, max_length=100)


class RangeOut(BaseModel):
    in_s: float
    out_s: float


class FocusOut(BaseModel):
    x: float
    y: float
    at_s: float | None = None


class WindowOut(BaseModel):
    from_s: float
    to_s: float


class OverlayOut(BaseModel):
    text: str
    name: str | None = None
    price: str | None = None
    position: Position
    from_s: float
    to_s: float
    shown: list[WindowOut] = Field(description="when it shows, on the clip's timeline")


class ProductOut(BaseModel):
    """An entry of the clip's product timeline (inherited from the asset's, or the request's tags)."""

    id: str | None = None
    sku: str
    name: str
    url: str | None
    price: float | None = None
    currency: str | None = None
    image_url: str | None = None
    start_s: float | None = Field(default=None, description="on the clip's timeline")
    end_s: float | None = Field(default=None, description="on the clip's timeline")
    at_s: float = Field(description="on the clip's timeline (= start_s)")
    source_at_s: float


class ClipPlaybackOut(BaseModel):
    hls: str | None = None
    embed: str | None = None  # the shoppable embed player, signed and expiring


@dataclass(frozen=True, kw_only=True)
class ClipRenditionOut(Rendition):
    pass


class ClipOut(BaseModel):
    id: str
    state: Literal["queued", "rendering", "ready", "failed"]
    asset_id: str
    duration_s: float
    width: int
    height: int
    aspect: Literal["16:9", "9:16", "1:1"]
    ranges: list[RangeOut]
    focus: list[FocusOut]
    burn_subtitles: str | None
    title: str | None
    overlays: list[OverlayOut]
    products: list[ProductOut]
    progress: float
    playback: ClipPlaybackOut
    download_url: str | None
    renditions: list[ClipRenditionOut]
    error: ErrorInfo | None
    created_at: datetime
    updated_at: datetime
