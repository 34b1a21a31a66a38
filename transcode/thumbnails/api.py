"""Signed thumbnails: the poster, the storyboard sprite and its WebVTT index, behind the same
expiring token as playback. The index is served with the token on its sprite URLs, so a browser
player needs no headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import DbSession
from shopcast.errors import Forbidden, NotFound
from shopcast.runtime import Runtime
from shopcast.signing import verify
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
    if not verify(runtime.settings.secret_key, asset_id, token):
        raise Forbidden("this thumbnail link is invalid or has expired", code="invalid_token")
    prefix = published_thumbnails_prefix(session, asset_id)
    size = runtime.store.size(f"{prefix}/{name}") if prefix else None
    if prefix is None or size is None:
        raise NotFound("no such thumbnail")
    key = f"{prefix}/{name}"
    if name.endswith(".vtt"):
        text = sign_storyboard(
            runtime.store.get_bytes(key).decode(), thumbnails_base_url(runtime, asset_id), token
        )
        return Response(text, media_type=FILES[name], headers={"Cache-Control": "private"})
    headers = {"Content-Length": str(size), "Cache-Control": "private, max-age=3600"}
    return StreamingResponse(
        runtime.store.iter_range(key, 0, size - 1), media_type=FILES[name], headers=headers
    )
