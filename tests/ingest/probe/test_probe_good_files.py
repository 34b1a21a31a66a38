"""Good footage of every common kind ends `ready` with the right probed facts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.media import MediaFactory
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state

GOOD_FILES: dict[str, tuple[Callable[[MediaFactory], Path], dict[str, Any]]] = {
    "h264_aac_1080p30": (
        lambda m: m.h264_aac_1080p30(),
        {"container": "mp4", "width": 1920, "height": 1080, "fps": 30.0, "video_codec": "h264",
         "audio_codec": "aac", "audio_channels": 2, "rotation": 0, "interlaced": False, "vfr": False},
    ),
    "hevc_vertical_rotated_vfr": (
        lambda m: m.hevc_vertical_vfr(),
        {"container": "mp4", "width": 720, "height": 1280, "video_codec": "hevc", "audio_codec": None,
         "rotation": 90, "interlaced": False, "vfr": True},
    ),
    "mpeg2_1080i_ac3_51_ts": (
        lambda m: m.mpeg2_1080i_ac3_ts(),
        {"container": "mpegts", "width": 1920, "height": 1080, "fps": 29.97, "video_codec": "mpeg2video",
         "audio_codec": "ac3", "audio_channels": 6, "interlaced": True},
    ),
    "prores_mov": (
        lambda m: m.prores_mov(),
        {"container": "mov", "width": 1280, "height": 720, "fps": 25.0, "video_codec": "prores",
         "audio_codec": "pcm_s16le", "interlaced": False},
    ),
    "vp9_webm_no_audio": (
        lambda m: m.vp9_webm_silent(),
        {"container": "webm", "width": 640, "height": 360, "video_codec": "vp9", "audio_codec": None,
         "audio_channels": None},
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(GOOD_FILES))
def test_good_file_is_ready_with_probed_source(stack: Stack, media: MediaFactory, kind: str) -> None:
    make, expected = GOOD_FILES[kind]
    path = make(media)
    with stack.client(stack.user(f"good-{kind}-{stack.name}", "creator")) as client:
        asset_id = upload(client, path)
        asset = wait_for_state(client, asset_id, {"ready", "rejected", "failed"})
    assert asset["state"] == "ready", asset["error"]
    source = asset["source"]
    assert {k: source[k] for k in expected} == expected
    assert source["size_bytes"] == path.stat().st_size
    assert source["duration_s"] == pytest.approx(_expected_duration(kind), abs=0.2)
    probe_jobs = [job for job in asset["jobs"] if job["kind"] == "probe"]
    assert [(j["state"], j["attempts"]) for j in probe_jobs] == [("succeeded", 1)]


def _expected_duration(kind: str) -> float:
    return {"h264_aac_1080p30": 4.0, "hevc_vertical_rotated_vfr": 3.0, "mpeg2_1080i_ac3_51_ts": 3.0,
            "prores_mov": 2.0, "vp9_webm_no_audio": 2.0}[kind]  # fmt: skip
