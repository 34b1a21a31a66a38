"""Channels (`/v1/channels`): admins create them; creators and PDs list the ones they may use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from publisher.channels import service as channels_service
from publisher.publications.schemas import ChannelAdminOut, ChannelIn, ChannelView
from shopcast.api.idempotency import RequestIdentity, idempotent_create
from shopcast.api.pagination import Page, PageParams, next_cursor, page_params
from shopcast.api.routes import Id, IdempotencyKey, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["publisher"])
_ERRORS = error_responses(401, 403, 404, 409, 422)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post("/channels", status_code=201, response_model=ChannelAdminOut, responses=_ERRORS)
def create_channel(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    body: ChannelIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """An admin's channel: a profile (a default's name, or a profile object validated against the
    schema), a delivery target (s3, https or pull) and the partners who may pull. S3 secret keys are
    stored encrypted and never shown again; an https target's signing secret is shown once, here."""
    identity = RequestIdentity.of("POST", "/v1/channels", body.model_dump_json())

    def create() -> tuple[int, str]:
        channel, shown = channels_service.create_channel(session, _runtime(request).settings, user, body)
        return 201, channels_service.to_out(session, user, channel, shown).model_dump_json()

    return idempotent_create(session, user.id, idempotency_key, identity, create)


@router.get("/channels", response_model=Page[ChannelView], responses=_ERRORS)
def list_channels(
    session: DbSession, user: CurrentUser, page: Annotated[PageParams, Depends(page_params)]
) -> Page[ChannelView]:
    """Admins see each channel's delivery target and partners; everyone else its name and profile."""
    rows = channels_service.list_visible(session, user, page.limit, page.cursor)
    items = [channels_service.to_out(session, user, channel) for channel in rows[: page.limit]]
    return Page[ChannelView](items=items, next_cursor=next_cursor(rows, page.limit))


@router.get("/channels/{channel_id}", response_model=ChannelView, responses=_ERRORS)
def get_channel(session: DbSession, user: CurrentUser, channel_id: Id) -> ChannelView:
    channel = channels_service.get_visible(session, user, channel_id)
    return channels_service.to_out(session, user, channel)
