"""Clips: `POST /v1/clips` cuts an asset by an edit list into a rendered clip; list and read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from shopcast.api.idempotency import RequestIdentity, idempotent_create
from shopcast.api.pagination import Page, PageParams, next_cursor, page_params
from shopcast.api.routes import Id, IdempotencyKey, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.runtime import Runtime
from transcode.clips import service as clips_service
from transcode.clips.schemas import ClipIn, ClipOut

router = APIRouter(prefix="/v1/clips", tags=["clips"])
_ERRORS = error_responses(401, 404, 409, 422)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post("", status_code=201, response_model=ClipOut, responses=_ERRORS)
def create_clip(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    body: ClipIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Queue a clip of an asset: ranges joined in order, framed to an aspect, with burned subtitles,
    title and overlays, and product tags re-timed to the clip. Times are on the source's timeline.
    An edit that does not fit the asset is refused with 422 and nothing is rendered."""
    identity = RequestIdentity.of("POST", "/v1/clips", body.model_dump_json())

    def create() -> tuple[int, str]:
        settings = _runtime(request).settings
        clip = clips_service.create_clip(session, settings, user, body)
        return 201, clips_service.to_out(session, settings, clip).model_dump_json()

    return idempotent_create(session, user.id, idempotency_key, identity, create)


@router.get("", response_model=Page[ClipOut], responses=_ERRORS)
def list_clips(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    page: Annotated[PageParams, Depends(page_params)],
    asset_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$", description="only this asset's")] = None,
) -> Page[ClipOut]:
    rows = clips_service.list_visible(session, user, page.limit, page.cursor, asset_id)
    settings = _runtime(request).settings
    items = [clips_service.to_out(session, settings, clip) for clip in rows[: page.limit]]
    return Page[ClipOut](items=items, next_cursor=next_cursor(rows, page.limit))


@router.get("/{clip_id}", response_model=ClipOut, responses=_ERRORS)
def get_clip(request: Request, session: DbSession, user: CurrentUser, clip_id: Id) -> ClipOut:
    clip = clips_service.get_visible(session, user, clip_id)
    return clips_service.to_out(session, _runtime(request).settings, clip)
