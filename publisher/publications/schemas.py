"""Request and response shapes of channels, publications and the partner API (their names are the
API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from shopcast.api.nul_refusal import RequestModel
from shopcast.errors import ErrorInfo

Id = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class S3TargetIn(RequestModel):
    type: Literal["s3"]
    bucket: str = Field(min_length=3, max_length=63)
    prefix: str = Field(default="", max_length=500)
    region: str = Field(default="us-east-1", max_length=50)
    endpoint_url: str | None = Field(default=None, max_length=2000, description="for non-AWS S3")
    access_key_id: str = Field(min_length=1, max_length=200)
    secret_access_key: str = Field(min_length=1, max_length=200)


class HttpsTargetIn(RequestModel):
    type: Literal["https"]
    url: str = Field(max_length=2000, description="the partner's URL; the file goes there signed")
    method: Literal["PUT", "POST"] = Field(default="PUT", description="PUT the bytes, or a multipart POST")


class PullTargetIn(RequestModel):
    type: Literal["pull"]


TargetIn = Annotated[S3TargetIn | HttpsTargetIn | PullTargetIn, Field(discriminator="type")]


class ChannelIn(RequestModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    profile: str | dict[str, Any] = Field(
        description="a default profile's name (vcommerce, tcommerce, overseas), or a profile object: "
        'whole, or {"extends": "vcommerce", ...overrides}'
    )
    target: TargetIn
    partner_ids: list[Id] = Field(default_factory=list, max_length=100)
    auto_publish_highlights: bool = Field(
        default=False, description="publish every accepted highlight's short here once it is rendered"
    )


class ChannelOut(BaseModel):
    """A channel as creators, PDs and partners see it: what to publish to and what it expects."""

    id: str
    name: str
    profile: str
    profile_spec: dict[str, Any]
    created_at: datetime
    auto_publish_highlights: bool = False


class ChannelAdminOut(ChannelOut):
    """A channel as admins see it: also where it delivers and who may pull."""

    target: dict[str, Any] = Field(
        description="without secret keys; an https target's signing secret "
        "(whsec_...) only when the channel is created"
    )
    partner_ids: list[str]


# Admins get the whole shape; everyone else the public one (no buckets, keys, endpoints or partners).
ChannelView = ChannelAdminOut | ChannelOut


class PublicationIn(RequestModel):
    clip_id: Id | None = Field(default=None, description="exactly one of clip_id and asset_id")
    asset_id: Id | None = Field(default=None, description="exactly one of clip_id and asset_id")
    channel_id: Id
    fit: Literal["crop", "pad"] | None = Field(default=None, description="default: the profile's")

    @model_validator(mode="after")
    def _one_subject(self) -> PublicationIn:
        if (self.clip_id is None) == (self.asset_id is None):
            raise ValueError("give exactly one of clip_id and asset_id")
        return self


class Violation(BaseModel):
    code: str
    message: str
    expected: Any = None
    actual: Any = None


class ReceiptOut(BaseModel):
    url: str
    key: str
    size: int
    sha256: str
    etag: str | None
    delivered_at: datetime
    sidecars: list[dict[str, Any]]


class PublicationOut(BaseModel):
    id: str
    state: Literal["queued", "rendering", "delivering", "delivered", "failed"]
    channel_id: str
    clip_id: str | None
    asset_id: str
    profile: str
    progress: float
    violations: list[Violation]
    receipt: ReceiptOut | None
    error: ErrorInfo | None
    created_at: datetime
    updated_at: datetime


class SubtitleLink(BaseModel):
    language: str
    srt_url: str | None = None
    vtt_url: str | None = None


class PartnerClipOut(BaseModel):
    id: str = Field(description="the publication's id")
    clip_id: str | None
    asset_id: str
    channel: str
    title: str | None
    duration_s: float | None
    content_type: str
    file_size: int | None
    download_url: str
    thumbnail_url: str | None
    expires_at: datetime
    products: list[dict[str, Any]]
    subtitles: list[SubtitleLink]
    delivered_at: datetime | None


class FeedTokenIn(RequestModel):
    channel_id: Id


class FeedTokenOut(BaseModel):
    id: str
    channel_id: str
    token: str | None = Field(default=None, description="shown once, when created")
    feed_url: str | None = None
    created_at: datetime
    revoked_at: datetime | None
