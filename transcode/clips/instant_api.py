"""`POST /v1/live-streams/{id}/clips`: an instant clip of a running or finished live stream."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from ingest import InstantClipIn, LiveNode
from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CurrentUser
from shopcast.runtime import Runtime
from transcode.clips.instant import instant_clip
from transcode.clips.schemas import ClipOut

router = APIRouter(prefix="/v1/live-streams", tags=["live"])
_ERRORS = error_responses(401, 403, 404, 409, 422)


@router.post("/{stream_id}/clips", status_code=201, response_model=ClipOut, responses=_ERRORS)
async def create_instant_clip(
    request: Request, user: CurrentUser, stream_id: Id, body: InstantClipIn
) -> ClipOut:
    """A clip of seconds `in_s` to `out_s` from the stream's start, or of the last `last_s` seconds,
    while the stream is live (cut at keyframes from the recording) or after it ended."""
    runtime: Runtime = request.app.state.runtime
    node: LiveNode | None = getattr(request.app.state, "live_node", None)
    live = node.live_view(stream_id) if node is not None else None
    return await asyncio.to_thread(instant_clip, runtime, user, stream_id, body, live)
