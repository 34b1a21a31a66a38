"""Storyboards: small frames at a fixed interval, tiled into one sprite, indexed by a WebVTT file.

Players (video.js, Vidstack, Plyr, JW Player) show the tile of the cue that covers the time under
the pointer while seeking; each cue's payload is the sprite's URL with a `#xywh=x,y,w,h` fragment.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["SPRITE_NAME", "StoryboardGrid", "plan_storyboard", "render_vtt", "sign_storyboard", "vtt_time"]

TILE_WIDTH = 160
MAX_TILES = 100
MAX_COLUMNS = 10
SPRITE_NAME = "storyboard.jpg"

_CUE_IMAGE = re.compile(r"^([A-Za-z0-9_-]+\.jpg)(#xywh=\d+,\d+,\d+,\d+)$")


@dataclass(frozen=True)
class StoryboardGrid:
    """`count` tiles of `tile_width`x`tile_height`, one every `interval_s` seconds, row by row."""

    duration_s: float
    interval_s: int
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int

    @property
    def sprite_size(self) -> tuple[int, int]:
        return self.columns * self.tile_width, self.rows * self.tile_height

    def tile_box(self, index: int) -> tuple[int, int, int, int]:
        """(x, y, w, h) of tile `index` inside the sprite."""
        row, column = divmod(index, self.columns)
        return column * self.tile_width, row * self.tile_height, self.tile_width, self.tile_height

    def cue_span_ms(self, index: int) -> tuple[int, int]:
        """Start and end of the cue showing tile `index`; the last cue ends at the source's end."""
        step = self.interval_s * 1000
        return index * step, min((index + 1) * step, _ms(self.duration_s))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def plan_storyboard(duration_s: float, width: int, height: int) -> StoryboardGrid:
    """The grid for a source of this duration and displayed size: a frame every whole number of
    seconds (at least 1), chosen so there are at most MAX_TILES; tiles TILE_WIDTH wide with the
    source's aspect (an even height, so vertical sources stay vertical). Raises ValueError for a
    source with no picture."""
    if width <= 0 or height <= 0:
        raise ValueError(f"no picture to tile: {width}x{height}")
    duration_ms = max(1, _ms(duration_s))
    interval_s = max(1, -(-duration_ms // (MAX_TILES * 1000)))
    count = -(-duration_ms // (interval_s * 1000))
    columns = min(MAX_COLUMNS, count)
    tile_height = max(2, round(TILE_WIDTH * height / width / 2) * 2)
    return StoryboardGrid(
        duration_s=duration_ms / 1000,
        interval_s=interval_s,
        count=count,
        columns=columns,
        rows=-(-count // columns),
        tile_width=TILE_WIDTH,
        tile_height=tile_height,
    )


def render_vtt(grid: StoryboardGrid, image: str = SPRITE_NAME) -> str:
    """The WebVTT index: one cue per tile, contiguous from 0 to the source's duration."""
    lines = ["WEBVTT", ""]
    for index in range(grid.count):
        start, end = grid.cue_span_ms(index)
        x, y, w, h = grid.tile_box(index)
        lines += [f"{vtt_time(start)} --> {vtt_time(end)}", f"{image}#xywh={x},{y},{w},{h}", ""]
    return "\n".join(lines)


def sign_storyboard(text: str, base_url: str, token: str) -> str:
    """Point each cue's relative image at `base_url/<image>?token=...`, keeping its `#xywh`, so a
    player fetches the sprite with no headers."""
    signed = []
    for line in text.splitlines():
        match = _CUE_IMAGE.match(line.strip())
        signed.append(f"{base_url}/{match.group(1)}?token={token}{match.group(2)}" if match else line)
    return "\n".join(signed) + "\n"


def vtt_time(ms: int) -> str:
    """`HH:MM:SS.mmm`, as WebVTT cue timings are written."""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
