"""Sources for clip tests: a landscape 1080p test pattern with a tone, generated at test time."""

from __future__ import annotations

from pathlib import Path

from tests.harness.media import ffmpeg


def landscape_1080p_with_tone(folder: Path, seconds: int = 60) -> Path:
    """1920x1080 testsrc2 at 30 fps with a 440 Hz tone, as H.264 + AAC, written once per folder.

    Encoded at ultrafast with 2 s closed GOPs and a 3 Mb/s cap: quick to make and small to upload,
    and the asset's own ladder copies it as its 1080p rung instead of encoding it again.
    """
    path = folder / f"landscape_1080p_tone_{seconds}s.mp4"
    if not path.exists():
        ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-x264-params", "open-gop=0",
            "-b:v", "3000k", "-maxrate", "3000k", "-bufsize", "6000k",
            "-c:a", "aac", "-ac", "2", str(path),
        )  # fmt: skip
    return path
