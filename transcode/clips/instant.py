"""Instant clips of a live stream: ingest finds the recorded range, this renders it as a clip."""

from __future__ import annotations

from ingest import InstantClipIn, LiveView, instant_clip_source
from shopcast.auth.service import Principal
from shopcast.db import transaction
from shopcast.runtime import Runtime
from transcode.clips import service as clips_service
from transcode.clips.schemas import ClipIn, ClipOut, RangeIn


def instant_clip(
    runtime: Runtime, principal: Principal, stream_id: str, body: InstantClipIn, live: LiveView | None
) -> ClipOut:
    """A queued clip of the stream's range; raises what `instant_clip_source` raises."""
    source = instant_clip_source(runtime, principal, stream_id, body, live)
    with transaction(runtime.sessions) as session:
        ranges = [RangeIn(in_s=round(source.start_s, 3), out_s=round(source.end_s, 3))]
        clip = clips_service.create_clip(
            session, runtime.settings, principal, ClipIn(asset_id=source.asset_id, ranges=ranges)
        )
        return clips_service.to_out(session, runtime.settings, clip)
