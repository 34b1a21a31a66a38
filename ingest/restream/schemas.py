"""Request and response shapes of restream destinations (the API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shopcast.api.nul_refusal import RequestModel


class DestinationIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    # rtmp://, rtmps:// or srt://, with the platform's stream key; never shown again unmasked
    url: str = Field(min_length=8, max_length=2048, pattern=r"^(rtmps?|srt)://")
    enabled: bool = True
    # also keep it for this creator's next streams (and their bookings' streams)
    save: bool = False


class DestinationPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    enabled: bool | None = None


class DestinationOut(BaseModel):
    id: str
    stream_id: str
    name: str
    url_masked: str
    enabled: bool
    state: Literal["idle", "connecting", "live", "retrying", "failed"]
    last_error: str | None
    reconnects: int
    kbps: float | None
    live_since: datetime | None


class SavedDestinationOut(BaseModel):
    id: str
    name: str
    url_masked: str
    enabled: bool
