"""Response shapes of the ingest API (these names are the API contract)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass

from shopcast.errors import ErrorInfo
from shopcast.media.loudness import Loudness
from shopcast.media.rendition import Rendition
from shopcast.media.source_info import SourceInfo
from shopcast.product_entry import ProductEntry


# The API's names for the probe's types: subclasses, so each field is declared once (in SourceInfo)
# while the OpenAPI components keep their contract names.
@dataclass(frozen=True)
class LoudnessOut(Loudness):
    pass


@dataclass(frozen=True)
class SourceOut(SourceInfo):
    loudness: LoudnessOut | None = None

    @classmethod
    def from_info(cls, info: SourceInfo) -> SourceOut:
        """The API shape of `info`, field for field."""
        loudness = LoudnessOut(**info.loudness.to_json()) if info.loudness else None
        values = {field.name: getattr(info, field.name) for field in fields(info)}
        return cls(**{**values, "loudness": loudness})


class JobOut(BaseModel):
    kind: str
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    speed: float | None = None  # media seconds encoded per second, while the job runs
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    error: ErrorInfo | None


@dataclass(frozen=True, kw_only=True)
class RenditionOut(Rendition):
    @classmethod
    def from_rendition(cls, rendition: Rendition) -> RenditionOut:
        return cls(**rendition.to_json())


class SubtitleOut(BaseModel):
    language: str  # ISO 639-1
    kind: Literal["transcript", "translation"]
    # edit: a PD's correction replaced Whisper's cues; translator: translated from a corrected transcript
    origin: Literal["whisper", "edit", "translator"] = "whisper"
    version: int = 1
    # draft: machine output that failed the degeneracy checks (loops, low confidence, text that was not
    # said); overseas channels are not sent a draft translation
    quality: Literal["ok", "draft"] = "ok"
    vtt_url: str
    srt_url: str


class ThumbnailsOut(BaseModel):
    poster_url: str | None = None
    storyboard_vtt_url: str | None = None


class PlaybackOut(BaseModel):
    hls: str | None = None
    embed: str | None = Field(default=None, description="the shoppable embed player, signed and expiring")


class UploadProgressOut(BaseModel):
    offset: int
    length: int


class AssetOut(BaseModel):
    id: str
    state: Literal["uploading", "processing", "ready", "rejected", "failed"]
    title: str | None
    filename: str | None
    created_at: datetime
    upload: UploadProgressOut | None
    source: SourceOut | None
    jobs: list[JobOut]
    renditions: list[RenditionOut]
    subtitles: list[SubtitleOut]
    thumbnails: ThumbnailsOut
    playback: PlaybackOut
    products: list[ProductEntry] = Field(default_factory=list, description="the product timeline")
    error: ErrorInfo | None
