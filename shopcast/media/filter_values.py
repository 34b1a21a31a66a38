"""Values placed inside FFmpeg filter graphs, escaped for them."""

from __future__ import annotations

from pathlib import Path


def filter_path(path: Path) -> str:
    """A path as one filter option value: the characters FFmpeg's filter syntax gives meaning to
    are escaped at both levels (option value, then filter graph)."""
    value = str(path)
    for special in ("\\", ":", "'"):
        value = value.replace(special, "\\" + special)
    for special in ("\\", "'", "[", "]", ",", ";"):
        value = value.replace(special, "\\" + special)
    return value
