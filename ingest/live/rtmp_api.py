"""nginx's RTMP callbacks (`ingest/live/rtmp_engine.py`): may this key publish, may this client play,
the publisher has gone. Called by the engine this server configured, never by people: each carries
the engine's token, and they are left out of the OpenAPI document.

nginx sends the fields form-encoded; any answer but 2xx refuses the publisher or the player.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request, Response

from ingest.live.rtmp_engine import CALLBACK_PATH, callback_token
from ingest.live.rtmp_sessions import RtmpIngest
from shopcast.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from shopcast.live_urls import RTMP_APP

router = APIRouter(prefix=CALLBACK_PATH, include_in_schema=False)
_MAX_FORM_BYTES = 16 * 1024


def _ingest(request: Request, token: str) -> RtmpIngest:
    settings = request.app.state.runtime.settings
    if not hmac.compare_digest(token.encode(), callback_token(settings).encode()):
        raise Unauthorized("not the RTMP engine's callback token", code="invalid_token")
    ingest: RtmpIngest | None = getattr(request.app.state, "rtmp", None)
    if ingest is None:
        raise NotFound("RTMP ingest is off in this process")
    return ingest


async def _fields(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise ValidationFailed("the callback's form is too long")
    fields = {name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace")).items()}
    if fields.get("app") != RTMP_APP:
        raise NotFound(f"only the /{RTMP_APP} application takes streams")
    return fields


@router.post("/publish")
async def on_publish(request: Request, token: str = Query("", max_length=100)) -> Response:
    """2xx lets the publisher in (its reader is subscribed by then); 401/403/409 refuse it."""
    ingest = _ingest(request, token)
    fields = await _fields(request)
    await ingest.publish(fields.get("name", ""), fields.get("clientid", ""))
    return Response(status_code=204)


@router.post("/play")
async def on_play(request: Request, token: str = Query("", max_length=100)) -> Response:
    """Only a reader of this node may play, and only the stream it was started for."""
    ingest = _ingest(request, token)
    fields = await _fields(request)
    if not ingest.play(fields.get("reader", ""), fields.get("clientid", "")):
        raise Forbidden("playing from the RTMP engine is for Shopcast's own readers")
    return Response(status_code=204)


@router.post("/publish_done")
async def on_publish_done(request: Request, token: str = Query("", max_length=100)) -> Response:
    ingest = _ingest(request, token)
    fields = await _fields(request)
    await ingest.publish_done(fields.get("name", ""), fields.get("clientid", ""))
    return Response(status_code=204)


@router.post("/update")
async def on_update(request: Request, token: str = Query("", max_length=100)) -> Response:
    """Every few seconds for each client: a publisher that no session of this node records is let go."""
    ingest = _ingest(request, token)
    fields = await _fields(request)
    if fields.get("call") == "update_publish" and not ingest.recording(
        fields.get("name", ""), fields.get("clientid", "")
    ):
        raise NotFound("nothing records this publisher any more; it should reconnect")
    return Response(status_code=204)
