"""The FFmpeg runner reports progress and says why a run failed: timeout, cancellation or FFmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcast.media.ffmpeg_runner import FfmpegFailed, Progress, run_ffmpeg

ENDLESS = ["-re", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10", "-f", "null", "-"]


def test_progress_is_reported_and_the_log_tail_returned(tmp_path: Path) -> None:
    seen: list[Progress] = []
    args = ["-f", "lavfi", "-i", "sine=duration=3", "-af", "ebur128", "-f", "null", "-"]
    log = run_ffmpeg(args, timeout_s=60, duration_s=3.0, on_progress=seen.append)
    assert seen
    assert seen[-1].fraction == pytest.approx(1.0, abs=0.05)
    assert any("LUFS" in line for line in log)


def test_a_run_past_its_time_limit_is_killed_as_timed_out() -> None:
    with pytest.raises(FfmpegFailed, match="timed out"):
        run_ffmpeg(ENDLESS, timeout_s=0.5)


def test_a_cancelled_run_says_cancelled() -> None:
    with pytest.raises(FfmpegFailed, match="cancelled"):
        run_ffmpeg(ENDLESS, timeout_s=60, cancelled=lambda: True)


def test_an_ffmpeg_error_keeps_its_own_message(tmp_path: Path) -> None:
    with pytest.raises(FfmpegFailed, match="exited with") as failed:
        run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"], timeout_s=60)
    assert "missing.mp4" in failed.value.stderr_tail


def test_a_run_shorter_than_one_stats_period_still_reports_its_speed() -> None:
    """FFmpeg prints one block, at the end, for a run this short; its speed is what jobs record."""
    seen: list[Progress] = []
    args = ["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10:duration=1", "-f", "null", "-"]
    run_ffmpeg(args, timeout_s=60, duration_s=1.0, on_progress=seen.append)
    assert seen, "the final block is reported"
    assert seen[-1].fraction == pytest.approx(1.0, abs=0.05)
    assert seen[-1].speed is not None
    assert seen[-1].speed > 1
