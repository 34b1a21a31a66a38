"""A finished live recording becomes an asset: join the segments, store them, end the stream once.

Runs after a publisher says goodbye (WHIP DELETE), after its reconnect grace runs out, and at start-up
for the streams a killed process left behind: their segments are still on this node's disk.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ingest.live_recording import remux, segment_files
from ingest.live_service import RecordingFile, begin_hand_off, end_with_asset, orphaned_streams
from ingest.models import source_key
from shopcast.db import transaction
from shopcast.ids import new_id
from shopcast.runtime import Runtime

log = logging.getLogger(__name__)


def recording_dir(runtime: Runtime, stream_id: str) -> Path:
    return runtime.settings.live_dir / stream_id


def hand_off(runtime: Runtime, stream_id: str, publisher: str | None) -> None:
    """Turn the stream's recording into an asset and end the stream, once. `publisher` is the
    stream's `session_id` as the caller knows it (None after a drop): if it changed, someone
    reconnected and the recording goes on."""
    with transaction(runtime.sessions) as session:
        if not begin_hand_off(session, stream_id, publisher):
            return
    directory = recording_dir(runtime, stream_id)
    asset_id = new_id()
    joined = remux(segment_files(directory), directory / "recording.joined.mkv")
    recording = None
    if joined is not None:
        runtime.store.put_file(source_key(asset_id), joined.path, "video/x-matroska")
        recording = RecordingFile(asset_id, joined.path.stat().st_size, joined.duration_s)
    with transaction(runtime.sessions) as session:
        won = end_with_asset(session, runtime.settings, stream_id, recording)
    if not won:
        if recording is not None:
            runtime.store.delete_prefix(f"assets/{asset_id}/")
        return
    log.info("live stream %s ended: %s", stream_id, f"asset {asset_id}" if recording else "nothing recorded")
    shutil.rmtree(directory, ignore_errors=True)


def recover_orphans(runtime: Runtime) -> list[tuple[str, str | None]]:
    """Hand off the streams this node was recording when its process died; returns their ids."""
    with transaction(runtime.sessions) as session:
        orphans = orphaned_streams(session, runtime.settings.live_dir)
    for stream_id, publisher in orphans:
        try:
            hand_off(runtime, stream_id, publisher)
        except Exception:
            log.exception("live stream %s: recovering its recording failed", stream_id)
    return orphans
