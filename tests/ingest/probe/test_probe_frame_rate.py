"""The frame rate of a recording whose header states none is measured, not guessed from its clock."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.live.segment_reader import remux, segment_files
from ingest.live.segment_writer import LiveRecorder
from ingest.probe.inspect import Limits, probe_file
from tests.harness.live import vp8_frames

LIMITS = Limits(max_duration_s=8 * 3600, max_long_side=7680, max_short_side=4320, max_fps=120, max_streams=16)


def test_a_jittery_vp8_recording_probes_at_its_real_rate_not_the_matroska_clock(tmp_path: Path) -> None:
    # a webcam at about 20 fps: frames 50 ms apart on the 90 kHz RTP clock, give or take 20 ms, as
    # Chromium sent them in the browser test (a guess from such stamps was the 1000 Hz clock)
    jitter = random.Random(7)
    recorder = LiveRecorder(tmp_path, "vp8", segment_s=60.0, sync_wait_s=0.0)
    for n, frame in enumerate(vp8_frames(320, 240, 100)):
        recorder.write("video", n * 4500 + jitter.randint(-1800, 1800), frame)
    recorder.close()
    joined = remux(segment_files(tmp_path), tmp_path / "joined.mkv")
    assert joined is not None

    source = probe_file(joined.path, LIMITS)

    assert source.container == "matroska"
    assert source.fps == pytest.approx(20, abs=0.5)
