"""The shapes of signing in: what `POST /v1/sessions` takes and what the session routes answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shopcast.api.nul_refusal import RequestModel
from shopcast.auth.models import Role
from shopcast.auth.passwords import MAX_PASSWORD, MIN_PASSWORD


class PasswordSignIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD)


class LinkSignIn(RequestModel):
    link: str = Field(
        min_length=16, max_length=100, description="the secret after `#link=` in a sign-in link"
    )


class PasswordChange(RequestModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD)
    new_password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)


class SessionUser(BaseModel):
    id: str
    name: str
    role: Role


class CurrentSessionOut(BaseModel):
    """The signed-in browser's session; `csrf_token` goes in `X-CSRF-Token` on every change."""

    id: str
    user: SessionUser
    csrf_token: str
    expires_at: datetime


class SessionOut(BaseModel):
    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str
    user_agent: str
    current: bool


class SessionsOut(BaseModel):
    items: list[SessionOut]
