"""SourceInfo keeps the stored and transported JSON shape exactly, and reads older rows."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from ingest.assets.schemas import SourceOut
from shopcast.media.loudness import Loudness
from shopcast.media.source_info import SourceInfo

PROBED: dict[str, Any] = {
    "container": "mp4",
    "duration_s": 12.5,
    "width": 1920,
    "height": 1080,
    "fps": 29.97,
    "vfr": False,
    "video_codec": "h264",
    "audio_codec": "aac",
    "audio_channels": 2,
    "audio_sample_rate": 48000,
    "rotation": 0,
    "interlaced": False,
    "size_bytes": 1234,
    "loudness": None,
}


def test_the_json_round_trips_byte_for_byte() -> None:
    measured = {**PROBED, "loudness": {"integrated_lufs": -23.0, "range_lu": 4.5, "true_peak_dbtp": -1.0}}
    for data in (PROBED, measured):
        assert json.dumps(SourceInfo.from_json(data).to_json()) == json.dumps(data)
    assert SourceInfo.from_json(measured).loudness == Loudness(-23.0, 4.5, -1.0)


def test_a_row_missing_keys_reads_them_as_empty() -> None:
    info = SourceInfo.from_json({"duration_s": 5.0, "width": 640, "height": 360, "extra": 1})
    assert (info.duration_s, info.width, info.height) == (5.0, 640, 360)
    assert (info.fps, info.rotation, info.vfr, info.interlaced) == (0.0, 0, False, False)
    assert (info.has_video, info.has_audio, info.loudness) == (False, False, None)


def test_the_api_shape_matches_the_stored_json() -> None:
    measured = {**PROBED, "loudness": {"integrated_lufs": -23.0, "range_lu": 4.5, "true_peak_dbtp": -1.0}}
    for data in (PROBED, measured):
        out = SourceOut.from_info(SourceInfo.from_json(data))
        assert json.dumps(TypeAdapter(SourceOut).dump_python(out, mode="json")) == json.dumps(data)
