"""A finished live recording becomes an asset: join the segments, store them, end the stream once.

Runs after a publisher says goodbye (WHIP DELETE), after its reconnect grace runs out, and at start-up
for the streams a killed process left behind: their segments are still on this node's disk.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ingest.assets.models import source_key
from ingest.live.captions import adopt_captions
from ingest.live.pins_view import pins_of, pins_on_recording
from ingest.live.recording_index import read_index
from ingest.live.segment_reader import remux, segment_files
from ingest.live.service import (
    RecordingFile,
    abandon_hand_off,
    begin_hand_off,
    end_with_asset,
    orphaned_streams,
)
from shopcast.db import transaction
from shopcast.ids import new_id
from shopcast.runtime import Runtime

log = logging.getLogger(__name__)


def recording_dir(runtime: Runtime, stream_id: str) -> Path:
    return runtime.settings.live_dir / stream_id


def hand_off(runtime: Runtime, stream_id: str, publisher: str | None) -> bool:
    """Turn the stream's recording into an asset and end the stream, once. `publisher` is the
    stream's `session_id` as the caller knows it (None after a drop): if it changed, someone
    reconnected and the recording goes on. Returns False when there was nothing to do.

    Raises what joining or storing the recording raised, after handing the stream back (live, no
    publisher), so that `hand_off(runtime, stream_id, None)` later, or the next start, tries again."""
    with transaction(runtime.sessions) as session:
        if not begin_hand_off(session, stream_id, publisher):
            return False
    try:
        _finish(runtime, stream_id)
    except BaseException:
        with transaction(runtime.sessions) as session:
            abandon_hand_off(session, stream_id)
        raise
    return True


def _finish(runtime: Runtime, stream_id: str) -> None:
    recording = _store_recording(runtime, recording_dir(runtime, stream_id))
    if recording is not None:
        with transaction(runtime.sessions) as session:
            pins = pins_of(session, stream_id)
        recording.products.extend(pins_on_recording(pins, read_index(recording_dir(runtime, stream_id))))
    won = False
    try:
        with transaction(runtime.sessions) as session:
            won = end_with_asset(session, runtime.settings, stream_id, recording)
            if won and recording is not None:
                adopt_captions(
                    session, runtime, stream_id, recording.asset_id, recording_dir(runtime, stream_id)
                )
    finally:
        if not won and recording is not None:
            runtime.store.delete_prefix(f"assets/{recording.asset_id}/")  # the bytes belong to nobody
    if won:
        outcome = f"asset {recording.asset_id}" if recording else "nothing recorded"
        log.info("live stream %s ended: %s", stream_id, outcome)
        shutil.rmtree(recording_dir(runtime, stream_id), ignore_errors=True)


def _store_recording(runtime: Runtime, directory: Path) -> RecordingFile | None:
    """The joined recording, put in the store as a new asset's source; None if nothing was recorded."""
    joined = remux(segment_files(directory), directory / "recording.joined.mkv")
    if joined is None:
        return None
    asset_id = new_id()
    runtime.store.put_file(source_key(asset_id), joined.path, "video/x-matroska")
    return RecordingFile(asset_id, joined.path.stat().st_size, joined.duration_s)


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
