"""nginx's RTMP callbacks (`ingest/live/rtmp_engine.py`): may this key publish, may this client play,
the publisher has gone. Called by the engine this server configured, never by people: each carries
the engine's token, and they are left out of the OpenAPI document.

nginx sends the fields form-encoded; any answer but 2xx refuses the publisher or the player.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request, Response

from ingest.live.rtmp_engine import CALLBACK_PATH, callback_token
from ingest.live.rtmp_sessions import RtmpIngest
from shopcast.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from shopcast.live_urls import RTMP_APP

router = APIRouter(prefix=CALLBACK_PATH, include_in_schema=False)
_MAX_FORM_BYTES = 16 * 1024


@dataclass(frozen=True)
class Callback:
    """One of nginx's calls: this process's RTMP ingest and the fields nginx sent."""

    ingest: RtmpIngest
    fields: dict[str, str]

    def field(self, name: str) -> str:
        return self.fields.get(name, "")


async def callback(request: Request, token: str = Query("", max_length=100)) -> Callback:
    """The engine's call, once its token is checked: 401 for another token, 404 when RTMP is off
    here or the call is for another application."""
    settings = request.app.state.runtime.settings
    if not hmac.compare_digest(token.encode(), callback_token(settings).encode()):
        raise Unauthorized("not the RTMP engine's callback token", code="invalid_token")
    ingest: RtmpIngest | None = getattr(request.app.state, "rtmp", None)
    if ingest is None:
        raise NotFound("RTMP ingest is off in this process")
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise ValidationFailed("the callback's form is too long")
    fields = {name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace")).items()}
    if fields.get("app") != RTMP_APP:
        raise NotFound(f"only the /{RTMP_APP} application takes streams")
    return Callback(ingest, fields)


Call = Annotated[Callback, Depends(callback)]


@router.post("/publish")
async def on_publish(call: Call) -> Response:
    """2xx lets the publisher in (its reader is subscribed by then); 401/403/409 refuse it."""
    await call.ingest.publish(call.field("name"), call.field("clientid"))
    return Response(status_code=204)


@router.post("/play")
async def on_play(call: Call) -> Response:
    """Only a reader of this node may play, and only the stream it was started for."""
    if not call.ingest.play(call.field("reader"), call.field("clientid"), call.field("name")):
        raise Forbidden("playing from the RTMP engine is for Shopcast's own readers")
    return Response(status_code=204)


@router.post("/publish_done")
async def on_publish_done(call: Call) -> Response:
    await call.ingest.publish_done(call.field("name"), call.field("clientid"))
    return Response(status_code=204)


@router.post("/update")
async def on_update(call: Call) -> Response:
    """Every few seconds for each client: a publisher that no session of this node records is let go."""
    if call.field("call") == "update_publish" and not call.ingest.recording(
        call.field("name"), call.field("clientid")
    ):
        raise NotFound("nothing records this publisher any more; it should reconnect")
    return Response(status_code=204)
