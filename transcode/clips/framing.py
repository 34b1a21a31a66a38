"""Framing a clip: its output size for an aspect, and the crop window that follows a focus point.

A 1080p source cut to 9:16 is cropped to its full height and scaled up to 1080x1920: shorts are
delivered at that size whatever the crop. Smaller sources keep their own short side.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from transcode.clips.edit import FocusKeyframe

__all__ = ["ASPECTS", "Crop", "crop_box", "crop_origin", "default_aspect", "output_size"]

ASPECTS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1)}
_MAX_SHORT_SIDE = 1080


@dataclass(frozen=True)
class Crop:
    """A window of the source's picture (as displayed) with the clip's aspect."""

    width: int
    height: int
    source_width: int
    source_height: int


def default_aspect(width: int, height: int) -> str:
    """The aspect closest to the source's picture."""
    ratio = math.log(width / height)
    return min(ASPECTS, key=lambda name: abs(math.log(ASPECTS[name][0] / ASPECTS[name][1]) - ratio))


def output_size(aspect: str, source_width: int, source_height: int) -> tuple[int, int]:
    """Width and height of the clip: a short side of 1080, or the source's own when smaller."""
    short = min(_MAX_SHORT_SIDE, _even_floor(min(source_width, source_height)))
    across, down = ASPECTS[aspect]
    if across >= down:
        return _even_floor(short * across / down), short
    return short, _even_floor(short * down / across)


def crop_box(source_width: int, source_height: int, aspect: str) -> Crop:
    """The largest window with the aspect that fits the source."""
    across, down = ASPECTS[aspect]
    if source_width * down > source_height * across:
        width = min(source_width, _even_floor(source_height * across / down))
        return Crop(width, source_height, source_width, source_height)
    height = min(source_height, _even_floor(source_width * down / across))
    return Crop(source_width, height, source_width, source_height)


def crop_origin(crop: Crop, focus: Sequence[FocusKeyframe], offset_s: float) -> tuple[str, str]:
    """FFmpeg expressions for the crop's top-left corner, centred on the focus and clamped to the
    picture. A keyframed focus moves linearly between keyframes; `t + offset_s` is the source time
    of a frame (a range's frames start at t = 0)."""
    x = _axis([(f.at_s, f.x) for f in focus], crop.source_width, crop.width, offset_s)
    y = _axis([(f.at_s, f.y) for f in focus], crop.source_height, crop.height, offset_s)
    return x, y


def _axis(points: list[tuple[float | None, float]], size: int, window: int, offset_s: float) -> str:
    spare = size - window
    placed = [(at or 0.0, _clamp(round(share * size - window / 2), 0, spare)) for at, share in points]
    if spare == 0 or len({p for _, p in placed}) == 1:
        return str(placed[0][1] if spare else 0)
    now = f"(t+{offset_s:.6f})"
    expression = str(placed[-1][1])
    for (at, position), (next_at, next_position) in reversed(list(itertools.pairwise(placed))):
        step = f"{position}+({next_position - position})*({now}-{at:.6f})/{next_at - at:.6f}"
        expression = f"if(lt({now},{next_at:.6f}),{step},{expression})"
    return f"if(lt({now},{placed[0][0]:.6f}),{placed[0][1]},{expression})"


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _even_floor(value: float) -> int:
    return max(2, int(value) // 2 * 2)
