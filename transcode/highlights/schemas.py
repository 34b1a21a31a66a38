"""Request and response shapes of the highlights API (the API contract: these names are fixed)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shopcast.api.nul_refusal import RequestModel
from transcode.clips.schemas import FocusKeyframeIn, FocusPointIn


class HighlightProductOut(BaseModel):
    sku: str
    name: str
    url: str | None = None
    price: float | None = None
    currency: str | None = None
    image_url: str | None = None


class HighlightOut(BaseModel):
    id: str
    asset_id: str
    start_s: float = Field(description="on the asset's timeline; at a sentence boundary or shot change")
    end_s: float
    score: float = Field(description="0 to 1; a pinned, often-named pitch scores highest")
    title: str
    reason: str = Field(
        description="the signals that made it, e.g. \"pin SKU-12 at 14:02; 'Jeju' said 4 times\""
    )
    product: HighlightProductOut | None = Field(
        description="the product pitched; null for a peak of the show"
    )
    state: Literal["proposed", "accepted", "dismissed"]
    clip_id: str | None = Field(description="the clip an accepted highlight was rendered as")


class AcceptIn(RequestModel):
    """The clip options; a highlight becomes a vertical short unless told otherwise."""

    aspect: Literal["16:9", "9:16", "1:1"] = "9:16"
    focus: FocusPointIn | list[FocusKeyframeIn] | None = Field(
        default=None, description="where the crop looks; default: the centre"
    )
    burn_subtitles: str | None = Field(default=None, max_length=8, description="a language with subtitles")
