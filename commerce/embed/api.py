"""`/embed/assets/{id}` and `/embed/clips/{id}` (`?token=`): the shoppable embed player, a page for
an iframe on a mall's or partner's site.

The token is the one in `playback.embed` (or the partner API's `embed_url`): signed for this one
object's embed and expiring; anything else answers 403 `invalid_token`. The page may be framed by
any site, and its Content-Security-Policy holds it to its own origin: scripts, styles, playlists,
segments, captions and beacons all come from here (hls.js is vendored), only product images may
come from where the creator's catalogue points.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from commerce.embed.page import embed_page
from commerce.embed.service import EmbedTarget, embed_target, require_token
from shopcast.api.routes import Id
from shopcast.auth.dependencies import DbSession
from shopcast.embed_links import EmbedKind
from shopcast.runtime import Runtime

router = APIRouter(prefix="/embed", tags=["embed"], include_in_schema=False)
Token = Annotated[str, Query(max_length=400)]

_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
        "media-src 'self' blob:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors *; "
        "base-uri 'none'; form-action 'none'"
    ),
    "Cache-Control": "no-store",  # the URL carries a token that expires
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


@router.get("/assets/{asset_id}", response_class=HTMLResponse)
def embed_asset(request: Request, session: DbSession, asset_id: Id, token: Token = "") -> HTMLResponse:
    return _page(request, session, "asset", asset_id, token)


@router.get("/clips/{clip_id}", response_class=HTMLResponse)
def embed_clip(request: Request, session: DbSession, clip_id: Id, token: Token = "") -> HTMLResponse:
    return _page(request, session, "clip", clip_id, token)


def _page(request: Request, session: DbSession, kind: EmbedKind, object_id: str, token: str) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    require_token(runtime, kind, object_id, token)
    target = embed_target(session, runtime, kind, object_id)
    response = embed_page(request, _config(target, token))
    response.headers.update(_HEADERS)
    return response


def _config(target: EmbedTarget, token: str) -> str:
    """What embed.js starts from, as JSON inside the page (`<` escaped, so no text closes the tag)."""
    config = {
        "kind": target.kind,
        "id": target.object_id,
        "token": token,
        "hls": target.hls,
        "poster": target.poster,
        "beacons": "/v1/beacons",
        "products": [asdict(card) for card in target.cards],
        "captions": [asdict(caption) for caption in target.captions],
    }
    return json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
