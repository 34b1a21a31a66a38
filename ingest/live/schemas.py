"""Request and response shapes of live streams and their instant clips (the API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shopcast.api.nul_refusal import RequestModel


class CaptionsIn(RequestModel):
    """Live captions: the spoken `language`, transcribed while live, and the languages to translate it
    into (English, by Whisper)."""

    language: str = Field(pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. ko")
    translate: list[Literal["en"]] = Field(default_factory=list, max_length=1)

    @model_validator(mode="after")
    def _not_into_itself(self) -> CaptionsIn:
        if self.language in self.translate:
            raise ValueError(f"captions in {self.language!r} need no translation into {self.language!r}")
        return self


class LiveStreamIn(RequestModel):
    title: str | None = Field(default=None, max_length=500)
    captions: CaptionsIn | None = None


class LiveStreamPatch(RequestModel):
    """Only what is sent changes; `captions` only while the stream is not live."""

    title: str | None = Field(default=None, max_length=500)
    captions: CaptionsIn | None = None


class LiveStreamOut(BaseModel):
    id: str
    title: str | None
    stream_key: str
    whip_url: str
    # OBS and PRISM: server `rtmp_url`, key `stream_key`; `srt_url` is a complete caller URL (null: off)
    rtmp_url: str | None
    rtmps_url: str | None
    srt_url: str | None
    # the protocol of the current or last session
    ingest: Literal["whip", "rtmp", "srt"] | None
    state: Literal["idle", "live", "ended"]
    preview_hls: str | None
    booking_id: str | None
    asset_id: str | None
    started_at: datetime | None
    ended_at: datetime | None
    # bitrate, frame rate and losses of the incoming stream, refreshed while live; `last_refused`
    # says when and why a publisher of this key was last turned away; `caption_lag_s` how long after a
    # segment closed its captions were published
    health: dict[str, Any] | None
    # live captions (null: off); while live, `preview_hls` is then a master with a subtitle rendition
    # per language
    captions: dict[str, Any] | None = None


class InstantClipIn(RequestModel):
    """Seconds from the stream's start (`in_s`, `out_s`), or the last `last_s` seconds recorded."""

    in_s: float | None = Field(default=None, ge=0)
    out_s: float | None = Field(default=None, gt=0)
    last_s: float | None = Field(default=None, gt=0, le=3600)

    @model_validator(mode="after")
    def _one_form(self) -> InstantClipIn:
        by_range = self.in_s is not None and self.out_s is not None
        if by_range == (self.last_s is not None) or (
            self.last_s is None and (self.in_s is None) != (self.out_s is None)
        ):
            raise ValueError('give either "in_s" and "out_s", or "last_s"')
        if by_range and self.out_s is not None and self.in_s is not None and self.out_s <= self.in_s:
            raise ValueError('"out_s" must be after "in_s"')
        return self
