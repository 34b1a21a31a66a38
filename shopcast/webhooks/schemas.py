"""Webhook endpoints and deliveries as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from shopcast.api.nul_refusal import RequestModel


class EndpointIn(RequestModel):
    url: str = Field(max_length=2000, examples=["https://pd.example.com/shopcast"])
    events: list[str] = Field(default_factory=list, max_length=50, description="event types; empty: all")
    description: str = Field(default="", max_length=500)


class EndpointChanges(RequestModel):
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, max_length=50)
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
