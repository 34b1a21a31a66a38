"""Values placed inside FFmpeg filter graphs, escaped for them."""

from __future__ import annotations

from pathlib import Path


def filter_value(value: str) -> str:
    """Any text as one option value inside a filter graph: escaped for the option parser (`\\`,
    `:`, `'`), then for the graph parser (`\\`, `'`, `[`, `]`, `,`, `;`)."""
    for special in ("\\", ":", "'"):
        value = value.replace(special, "\\" + special)
    for special in ("\\", "'", "[", "]", ",", ";"):
        value = value.replace(special, "\\" + special)
    return value


def filter_path(path: Path) -> str:
    """A path as one filter option value."""
    return filter_value(str(path))
