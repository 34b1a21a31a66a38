"""FFmpeg argument lists for thumbnails: one poster candidate, and the storyboard sprite.

FFmpeg applies the source's display rotation before these filters, so sizes are displayed sizes.
"""

from __future__ import annotations

from pathlib import Path

from transcode.thumbnails.storyboard import StoryboardGrid

__all__ = ["build_poster_frame", "build_storyboard"]

POSTER_QUALITY = 2  # mjpeg -q:v, 2 (best) to 31
SPRITE_QUALITY = 4


def build_poster_frame(
    source: Path, time_s: float, size: tuple[int, int], interlaced: bool, output: Path
) -> list[str]:
    """The frame at `time_s` (an accurate seek: decoding starts at the keyframe before it),
    deinterlaced if the source is, scaled to `size` with square pixels, as one JPEG."""
    width, height = size
    filters = ["bwdif=mode=send_frame"] if interlaced else []
    filters += [f"scale={width}:{height}:flags=lanczos", "setsar=1"]
    return [
        "-y", "-ss", f"{time_s:.3f}", "-i", str(source), "-map", "0:v:0", "-vf", ",".join(filters),
        "-frames:v", "1", "-q:v", str(POSTER_QUALITY), "-update", "1", str(output),
    ]  # fmt: skip


def build_storyboard(source: Path, grid: StoryboardGrid, output: Path) -> list[str]:
    """One frame every `grid.interval_s` seconds from the start, exactly `grid.count` of them
    (a missing frame at the very end stays blank), scaled to a tile and tiled row by row into one
    JPEG of `grid.sprite_size`."""
    filters = [
        f"fps=1/{grid.interval_s}",
        f"trim=end_frame={grid.count}",
        f"scale={grid.tile_width}:{grid.tile_height}:flags=bicubic",
        "setsar=1",
        f"tile={grid.columns}x{grid.rows}",
    ]
    return [
        "-y", "-i", str(source), "-map", "0:v:0", "-vf", ",".join(filters),
        "-frames:v", "1", "-q:v", str(SPRITE_QUALITY), "-update", "1", str(output),
    ]  # fmt: skip
