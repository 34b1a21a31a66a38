"""The source of an instant clip of a live stream: a range of seconds from its start, while live or
after it ended.

While live, the range is copied out of the recording's segments from the last keyframe at or before
its in point (no decode, no encode of the stream) and becomes a small asset of its own. Once the
stream has ended, the range is taken from the recording's asset. Transcode's clips turn the answer
into a clip rendered like any other (`transcode/clips/instant.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ingest.assets.models import Asset, AssetState, source_key
from ingest.assets.service import mark_probed
from ingest.live.models import LiveState
from ingest.live.pins_view import pins_of, pins_on_recording
from ingest.live.recording_index import INDEX_NAME, read_index
from ingest.live.schemas import InstantClipIn
from ingest.live.segment_reader import remux, segment_files
from ingest.live.service import get_visible_stream
from ingest.probe.rejections import InputRejected
from ingest.probe.runner import run_probe
from shopcast.auth.service import Principal
from shopcast.db import transaction
from shopcast.errors import Conflict, ValidationFailed
from shopcast.events.service import emit
from shopcast.ids import new_id
from shopcast.jobs.scratch import job_scratch
from shopcast.media.source_info import SourceInfo
from shopcast.product_entry import overlapping
from shopcast.runtime import Runtime


@dataclass(frozen=True)
class LiveView:
    """What a clip request needs to know of a stream recorded on this node: how far it has got."""

    directory: Path
    recorded_until_s: float


def _window(body: InstantClipIn, until_s: float) -> tuple[float, float]:
    if body.last_s is not None:
        return max(0.0, until_s - body.last_s), until_s
    assert body.in_s is not None
    assert body.out_s is not None
    if body.in_s >= until_s:
        raise Conflict(
            f"the stream has recorded {until_s:.1f} s so far; the clip starts after that",
            code="not_recorded_yet",
        )
    return body.in_s, min(body.out_s, until_s)


def segments_between(directory: Path, start_s: float, end_s: float) -> list[Path]:
    """The segments that hold [start_s, end_s): from the index, plus the one still being written."""
    indexed: dict[str, tuple[float, float]] = {}
    index = directory / INDEX_NAME
    if index.exists():
        for line in index.read_text().splitlines():
            entry = json.loads(line)
            indexed[entry["name"]] = (float(entry["start_s"]), float(entry["end_s"]))
    chosen = []
    for path in segment_files(directory):
        span = indexed.get(path.name)
        if span is None or (span[1] > start_s and span[0] < end_s):
            chosen.append(path)
    return chosen


@dataclass(frozen=True)
class ClipSource:
    """An asset and the range of it that an instant clip shows."""

    asset_id: str
    start_s: float
    end_s: float


def instant_clip_source(
    runtime: Runtime, principal: Principal, stream_id: str, body: InstantClipIn, live: LiveView | None
) -> ClipSource:
    """Where the clip comes from; raises NotFound for a stream `principal` may not see, Conflict when
    nothing of the range is recorded yet, ValidationFailed when the cut cannot be read."""
    with transaction(runtime.sessions) as session:
        stream = get_visible_stream(session, principal, stream_id)
        state, asset_id, owner_id, title = stream.state, stream.asset_id, stream.owner_id, stream.title
        if live is None:
            if state is not LiveState.ended or asset_id is None:
                raise Conflict(
                    "nothing of this stream is recorded here yet; try again once it is live or has ended",
                    code="not_recorded_yet",
                )
            asset = session.get(Asset, asset_id)
            duration = SourceInfo.from_json(asset.source).duration_s if asset and asset.source else 0.0
            start, end = _window(body, duration) if duration else (body.in_s or 0.0, body.out_s or 0.0)
            return ClipSource(asset_id, start, end)
    start, end = _window(body, live.recorded_until_s)
    return _cut_while_live(runtime, stream_id, owner_id, title, live.directory, start, end)


def _cut_while_live(
    runtime: Runtime,
    stream_id: str,
    owner_id: str,
    title: str | None,
    directory: Path,
    start: float,
    end: float,
) -> ClipSource:
    settings = runtime.settings
    asset_id = new_id()
    with job_scratch(settings) as folder:
        cut = remux(segments_between(directory, start, end), folder / "cut.mkv", window=(start, end))
        if cut is None:
            raise Conflict("no picture was recorded in that range", code="not_recorded_yet")
        try:
            source = run_probe(cut.path, settings)
        except InputRejected as rejected:
            message = f"the cut could not be read: {rejected.message}"
            raise ValidationFailed(message, code=rejected.code) from None
        runtime.store.put_file(source_key(asset_id), cut.path, "video/x-matroska")
        size = cut.path.stat().st_size
    with transaction(runtime.sessions) as session:
        cut_end = cut.start_s + cut.duration_s
        pinned = pins_on_recording(pins_of(session, stream_id), read_index(directory), until_s=cut_end)
        products = overlapping(pinned, cut.start_s, cut_end)
        name = f"{title or 'Live'} ({cut.start_s:.1f}-{cut.start_s + cut.duration_s:.1f} s)"
        session.add(
            Asset(
                id=asset_id,
                owner_id=owner_id,
                state=AssetState.processing,
                title=name,
                filename=f"live-clip-{asset_id}.mkv",
                size_bytes=size,
                products=products,
            )
        )
        session.flush()
        emit(session, "asset.created", owner_id=owner_id, subject_id=asset_id, data={"id": asset_id})
        mark_probed(session, asset_id, source, settings.job_max_attempts)
    return ClipSource(asset_id, 0.0, float(source.duration_s))
