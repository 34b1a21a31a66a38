"""Webhook endpoints and deliveries as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, WithJsonSchema

from shopcast.api.nul_refusal import RequestModel
from shopcast.webhooks.service import EVENT_TYPES

# Described, not enforced here: the service refuses these itself, with codes clients branch on
# (422 unsafe_url, 422 unknown_event_type). The URL's scheme is told in words, not as a pattern:
# fuzzers would then make well-formed URLs, and the service resolves each one's host name.
_URL_DOC = "an http:// or https:// URL whose host resolves only to public addresses, else 422 unsafe_url"
EventType = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(EVENT_TYPES)})]


class EndpointIn(RequestModel):
    url: str = Field(max_length=2000, examples=["https://pd.example.com/shopcast"], description=_URL_DOC)
    events: list[EventType] = Field(
        default_factory=list, max_length=50, description="event types; empty: all"
    )
    description: str = Field(default="", max_length=500)


class EndpointChanges(RequestModel):
    url: str | None = Field(default=None, max_length=2000, description=_URL_DOC)
    events: list[EventType] | None = Field(default=None, max_length=50)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    secret: str | None = Field(default=None, description="whsec_...: only when created or rotated")


class AttemptOut(BaseModel):
    attempted_at: datetime
    status_code: int | None
    latency_ms: float
    response_snippet: str
    error: str | None


class DeliveryOut(BaseModel):
    id: str = Field(description="the webhook-id header, the same on every attempt")
    event_id: str
    type: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    history: list[AttemptOut]


class ReplayIn(RequestModel):
    since: AwareDatetime


class ReplayOut(BaseModel):
    replayed: list[str]
