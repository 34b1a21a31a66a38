"""Assets: list, read, delete, and download the original bytes with range requests."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from ingest.assets import service as assets_service
from ingest.assets.models import Asset, source_key
from ingest.assets.outputs import outputs_of
from ingest.assets.schemas import AssetOut
from shopcast.api.pagination import Page, PageParams, next_cursor, page_params
from shopcast.api.routes import Id, error_responses
from shopcast.api.stored_files import ranged_file
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.errors import ShopcastError
from shopcast.runtime import Runtime

router = APIRouter(prefix="/v1/assets", tags=["assets"])
AssetId = Id
_ERRORS = error_responses(401, 404, 409, 416, 422)


@router.get("", response_model=Page[AssetOut], responses=_ERRORS)
def list_assets(
    request: Request, session: DbSession, user: CurrentUser, page: Annotated[PageParams, Depends(page_params)]
) -> Page[AssetOut]:
    rows = assets_service.list_visible(session, user, page.limit, page.cursor)
    runtime: Runtime = request.app.state.runtime
    items = [_out(session, runtime, asset) for asset in rows[: page.limit]]
    return Page[AssetOut](items=items, next_cursor=next_cursor(rows, page.limit))


@router.get("/{asset_id}", response_model=AssetOut, responses=_ERRORS)
def get_asset(request: Request, session: DbSession, user: CurrentUser, asset_id: AssetId) -> AssetOut:
    runtime: Runtime = request.app.state.runtime
    return _out(session, runtime, assets_service.get_visible(session, user, asset_id))


def _out(session: Session, runtime: Runtime, asset: Asset) -> AssetOut:
    outputs = outputs_of(session, runtime, asset.id)
    return assets_service.to_out(
        session, asset, outputs.renditions, outputs.hls, outputs.thumbnails, outputs.subtitles, outputs.embed
    )


@router.delete("/{asset_id}", status_code=204, response_class=Response, responses=_ERRORS)
def delete_asset(request: Request, session: DbSession, user: CurrentUser, asset_id: AssetId) -> Response:
    runtime: Runtime = request.app.state.runtime
    assets_service.delete_asset(session, runtime.store, user, asset_id)
    return Response(status_code=204)


@router.get(
    "/{asset_id}/source",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        206: {"description": "partial content", "content": {"application/octet-stream": {}}},
        **_ERRORS,
    },
)
def download_source(
    request: Request, session: DbSession, user: CurrentUser, asset_id: AssetId
) -> StreamingResponse:
    """The original bytes, byte-identical to the upload; honours a single `Range: bytes=` range."""
    runtime: Runtime = request.app.state.runtime
    asset = assets_service.source_ready(session, user, asset_id)
    key = source_key(asset.id)
    size = runtime.store.size(key)
    if size is None:
        raise ShopcastError("the source is not stored", code="source_missing")
    return ranged_file(
        runtime.store,
        key,
        size,
        request.headers.get("range"),
        "application/octet-stream",
        filename=_safe_filename(asset.filename),
    )


def _safe_filename(name: str | None) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name or "source")
    return cleaned[:200] or "source"
