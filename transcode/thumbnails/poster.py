"""Poster frames: where to look for one, its size, and whether a frame is worth showing.

Sources often open on black (a fade in, a slate, a camera warming up), so candidates are spread
over the source and judged by their luma as FFmpeg's `blackframe` filter would judge them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import av

__all__ = ["LumaStats", "candidate_times", "luma_stats", "poster_size"]

POSTER_LONG_SIDE = 1280
CANDIDATES = 6
BLACK_LUMA = 32  # blackframe's default threshold: a pixel this dark or darker counts as black
BLACK_SHARE = 0.98  # blackframe's default amount: a frame this black is a black frame
FLAT_STDEV = 4.0  # below this the frame is one flat colour (a slate or a blank card)
_SAMPLE_SIDE = 64


@dataclass(frozen=True)
class LumaStats:
    mean: float
    stdev: float
    dark_share: float

    @property
    def usable(self) -> bool:
        """Neither black nor one flat colour."""
        return self.dark_share < BLACK_SHARE and self.stdev >= FLAT_STDEV


def poster_size(width: int, height: int, long_side: int = POSTER_LONG_SIDE) -> tuple[int, int]:
    """The displayed size, scaled down (never up) so its long side is at most `long_side`; a
    scaled size is rounded to even numbers."""
    scale = long_side / max(width, height)
    if scale >= 1:
        return width, height
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def candidate_times(duration_s: float, count: int = CANDIDATES) -> list[float]:
    """Timestamps to try, in the order to try them: evenly spread, never the first or last frame."""
    return [round(duration_s * (i + 1) / (count + 1), 3) for i in range(count)]


def luma_stats(image: Path) -> LumaStats:
    """Luma statistics of the first picture in `image` (any format FFmpeg decodes), measured on a
    small greyscale copy. Raises av.FFmpegError when it cannot be decoded."""
    with av.open(str(image)) as container:
        frame = next(container.decode(video=0))
    grey = frame.reformat(width=_SAMPLE_SIDE, height=_SAMPLE_SIDE, format="gray")
    plane = grey.planes[0]
    data = bytes(plane)
    pixels = [
        value
        for row in range(_SAMPLE_SIDE)
        for value in data[row * plane.line_size : row * plane.line_size + _SAMPLE_SIDE]
    ]
    mean = sum(pixels) / len(pixels)
    variance = sum((value - mean) ** 2 for value in pixels) / len(pixels)
    dark = sum(1 for value in pixels if value <= BLACK_LUMA)
    return LumaStats(mean=mean, stdev=math.sqrt(variance), dark_share=dark / len(pixels))
