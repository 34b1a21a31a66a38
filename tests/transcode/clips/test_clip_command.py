"""The clip render's FFmpeg command on its own: a keyframed focus pans the crop, a silent source
gives a video-only clip, text full of filter-graph syntax is drawn as written, and the timeline
arithmetic behind overlays and text sizes."""

from __future__ import annotations

import statistics
from pathlib import Path

import av
import pytest

from shopcast.media.ffmpeg_runner import run_ffmpeg
from tests.harness.media import ffmpeg
from transcode.clips.command import ClipRender, build_clip_render
from transcode.clips.edit import ClipEdit, FocusKeyframe, Overlay, TimeRange, clip_windows
from transcode.clips.framing import output_size
from transcode.clips.text import TextLayout

RED, GREEN, MAGENTA, CYAN = (255, 0, 0), (0, 255, 0), (255, 0, 255), (0, 255, 255)


@pytest.fixture(scope="module")
def silent_pattern(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """640x360 testsrc2 without audio: six colour bars, red on the left to cyan on the right."""
    path = tmp_path_factory.mktemp("clip-command") / "pattern.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", "4", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))  # fmt: skip
    return path


def _render(source: Path, output: Path, edit: ClipEdit) -> Path:
    job = ClipRender(
        source=source,
        output=output,
        edit=edit,
        source_width=640,
        source_height=360,
        fps=30.0,
        has_audio=False,
        interlaced=False,
        video_kbps=730,
        preset="ultrafast",
    )
    run_ffmpeg(build_clip_render(job), timeout_s=120)
    return output


def _colour(path: Path, at_s: float, left: float, right: float) -> tuple[int, int, int]:
    """Median RGB of a band of the frame at `at_s` (the median ignores the pattern's thin line)."""
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            if frame.time is not None and frame.time >= at_s:
                plane = frame.reformat(format="rgb24").planes[0]
                data, stride = bytes(plane), plane.line_size
                rows = range(int(frame.height * 0.4), int(frame.height * 0.6))
                xs = range(int(frame.width * left), int(frame.width * right))
                pixels = [data[row * stride + 3 * x : row * stride + 3 * x + 3] for row in rows for x in xs]
                return (
                    int(statistics.median(p[0] for p in pixels)),
                    int(statistics.median(p[1] for p in pixels)),
                    int(statistics.median(p[2] for p in pixels)),
                )
    raise AssertionError(f"no frame at {at_s} s")


def _near(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 60 for a, b in zip(colour, expected, strict=True))


def test_a_keyframed_focus_pans_the_crop_and_a_silent_source_gives_a_video_only_clip(
    silent_pattern: Path, tmp_path: Path
) -> None:
    width, height = output_size("9:16", 640, 360)
    edit = ClipEdit(
        ranges=(TimeRange(0.5, 3.5),),
        aspect="9:16",
        width=width,
        height=height,
        focus=(FocusKeyframe(0.0, 0.5, at_s=1.0), FocusKeyframe(1.0, 0.5, at_s=3.0)),
    )
    clip = _render(silent_pattern, tmp_path / "pan.mp4", edit)

    with av.open(str(clip)) as container:
        assert [s.type for s in container.streams] == ["video"]
        video = container.streams.video[0]
        assert (video.width, video.height) == (360, 640)
        frames = sum(1 for packet in container.demux(video) if packet.size)
    assert abs(frames - 90) <= 1
    # Source 1.0 s and before: the crop's left edge is the picture's (red, then green bars).
    assert _near(_colour(clip, 0.2, 0.05, 0.3), RED)
    assert _near(_colour(clip, 0.2, 0.7, 0.95), GREEN)
    # Source 3.0 s and after: its right edge is the picture's (magenta, then cyan bars).
    assert _near(_colour(clip, 2.7, 0.05, 0.3), MAGENTA)
    assert _near(_colour(clip, 2.7, 0.7, 0.95), CYAN)


def test_text_full_of_filter_syntax_is_drawn_as_written(silent_pattern: Path, tmp_path: Path) -> None:
    tricky = "It's 50%: [a,b]; c:\\d %{pts} 'q'"
    edit = ClipEdit(
        ranges=(TimeRange(0.0, 1.0),),
        aspect="16:9",
        width=640,
        height=360,
        focus=(FocusKeyframe(0.5, 0.5),),
        title=tricky,
        overlays=(Overlay(tricky, "bottom-right", 0.0, 1.0),),
    )
    clip = _render(silent_pattern, tmp_path / "tricky.mp4", edit)
    with av.open(str(clip)) as container:
        frame = next(container.decode(container.streams.video[0]))
        luma = frame.reformat(format="gray").planes[0]
        data, stride = bytes(luma), luma.line_size
    white = sum(1 for row in range(0, 60) for x in range(640) if data[row * stride + x] > 245)
    assert white > 200, "the title was drawn"


def test_an_overlay_across_a_seam_shows_once_and_outside_the_ranges_never() -> None:
    ranges = (TimeRange(10.0, 13.0), TimeRange(13.0, 15.0), TimeRange(40.0, 42.0))
    assert clip_windows(ranges, 12.0, 14.0) == [(2.0, 4.0)]
    assert clip_windows(ranges, 12.0, 41.0) == [(2.0, 6.0)]  # seamless on screen: one window
    assert clip_windows(ranges, 14.5, 41.0) == [(4.5, 6.0)]
    assert clip_windows(ranges, 20.0, 30.0) == []


def test_a_line_of_hangul_needs_about_twice_the_width_of_latin() -> None:
    layout = TextLayout(1080, 1920)
    size = layout.overlay_size
    assert layout.fits("가" * 18, size)
    assert not layout.fits("가" * 20, size)
    assert layout.fits("a" * 34, size)
    assert not layout.fits("a" * 36, size)
