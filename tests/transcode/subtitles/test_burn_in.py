"""Burn-in: cues drawn into the picture by libass, in a font that has Hangul."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av

from shopcast.media.ass_style import render_ass
from shopcast.media.cues import Cue
from shopcast.media.ffmpeg_runner import ffmpeg_exe, run_ffmpeg
from tests.harness.media import ffmpeg
from transcode.subtitles.command import KOREAN_FONTS_DIR, build_burn_in, burn_in_filter

GREY = 128


def _grey_clip(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=640x360:r=30:d=3", "-c:v", "libx264", "-preset", "ultrafast",
           "-pix_fmt", "yuv420p", str(path))  # fmt: skip
    return path


def _bright_pixels(path: Path, at_s: float) -> int:
    """How many luma samples in the bottom third of the frame at `at_s` are near white."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= at_s:
                luma = frame.reformat(format="gray").planes[0]
                width, height, stride = frame.width, frame.height, luma.line_size
                data = bytes(luma)
                rows = range(height * 2 // 3, height)
                return sum(1 for row in rows for x in range(width) if data[row * stride + x] > 200)
    raise AssertionError(f"no frame at {at_s} s")


def test_korean_cues_are_burnt_in_at_their_time_with_a_hangul_font(tmp_path: Path) -> None:
    assert (KOREAN_FONTS_DIR / "NanumGothic.ttf").exists(), "fonts-nanum (make install) provides the font"
    script = tmp_path / "cues.ass"
    cue = Cue(1.0, 2.0, ("안녕하세요 여러분", "겨울용 니트 특가!"))
    script.write_text(render_ass([cue], 640, 360), encoding="utf-8")
    output = tmp_path / "burnt.mp4"
    run_ffmpeg(build_burn_in(_grey_clip(tmp_path / "grey.mp4"), script, output), timeout_s=120)

    assert _bright_pixels(output, 0.5) == 0, "nothing drawn before the cue"
    assert _bright_pixels(output, 1.5) > 100, "the cue's white text is in the picture"
    assert _bright_pixels(output, 2.5) == 0, "nothing drawn after it"


def test_no_glyph_is_missing_from_the_korean_font(tmp_path: Path) -> None:
    """libass says so when a font lacks a character and it falls back or draws a box."""
    script = tmp_path / "cues.ass"
    script.write_text(
        render_ass([Cue(0.0, 1.0, ("가나다라마바사 아자차카타파하",))], 320, 180), encoding="utf-8"
    )
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "verbose", "-f", "lavfi",
         "-i", "color=c=gray:s=320x180:d=1", "-vf", burn_in_filter(script), "-frames:v", "1",
         "-f", "null", "-"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "-> NanumGothic" in done.stderr, "libass selected the Korean font for the style"
    assert "Glyph 0x" not in done.stderr, done.stderr[-2000:]
