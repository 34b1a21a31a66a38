"""Signed thumbnails: the poster, the storyboard sprite and its WebVTT index, behind the same
expiring token as playback. The index is served with the token on its sprite URLs, so a browser
player needs no headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from shopcast.api.routes import Id, error_responses
from shopcast.api.stored_files import CACHE_PRIVATE, require_token, stored_size, whole_file
from shopcast.auth.dependencies import DbSession
from shopcast.runtime import Runtime
from transcode.thumbnails.service import FILES, published_thumbnails_prefix, thumbnails_base_url
from transcode.thumbnails.storyboard import sign_storyboard

router = APIRouter(tags=["playback"])
_ERRORS = error_responses(403, 404, 422)
_NAME = r"^(poster\.jpg|storyboard\.jpg|storyboard\.vtt)$"


@router.get(
    "/v1/thumbnails/{asset_id}/{name}",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/jpeg": {}, "text/vtt": {}}}, **_ERRORS},
)
def thumbnail(
    request: Request,
    session: DbSession,
    asset_id: Id,
    name: Annotated[str, Path(pattern=_NAME)],
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The asset's poster (`poster.jpg`), storyboard sprite (`storyboard.jpg`) or the sprite's
    WebVTT index (`storyboard.vtt`, its image URLs signed with the same token)."""
    runtime: Runtime = request.app.state.runtime
    require_token(runtime.settings, asset_id, token, "thumbnail")
    prefix = published_thumbnails_prefix(session, asset_id)
    key = f"{prefix}/{name}" if prefix else None
    size = stored_size(runtime.store, key, "no such thumbnail")
    assert key is not None
    if name.endswith(".vtt"):
        text = sign_storyboard(
            runtime.store.get_bytes(key).decode(), thumbnails_base_url(runtime, asset_id), token
        )
        return Response(text, media_type=FILES[name], headers={"Cache-Control": CACHE_PRIVATE})
    return whole_file(runtime.store, key, size, FILES[name])
