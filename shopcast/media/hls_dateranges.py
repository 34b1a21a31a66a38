"""Products as HLS timed metadata: `#EXT-X-DATERANGE` tags of class `com.shopcast.product`.

HLS players (hls.js, AVPlayer) turn a DATERANGE into a cue at the media time its START-DATE falls on,
which they work out from `#EXT-X-PROGRAM-DATE-TIME`; so a playlist with these tags also dates its
segments. The live preview dates them with the wall clock; VOD playlists with a nominal clock that
starts at the Unix epoch at the asset's zero (`vod_date`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["PRODUCT_CLASS", "iso_time", "product_daterange", "with_product_dateranges"]

PRODUCT_CLASS = "com.shopcast.product"
_ATTRIBUTES = (("X-SKU", "sku"), ("X-NAME", "name"), ("X-URL", "url"), ("X-PRICE", "price"))


def iso_time(epoch_s: float) -> str:
    """An HLS date: ISO 8601 in UTC with milliseconds."""
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def product_daterange(
    range_id: str, product: Mapping[str, Any], start_epoch_s: float, duration_s: float | None
) -> str:
    """One product's tag; `duration_s` None while it is still pinned."""
    attributes = [
        f'ID="{_quoted(range_id)}"',
        f'CLASS="{PRODUCT_CLASS}"',
        f'START-DATE="{iso_time(start_epoch_s)}"',
    ]
    if duration_s is not None:
        attributes.append(f"DURATION={max(0.0, duration_s):.3f}")
    for name, key in _ATTRIBUTES:
        value = product.get(key)
        if value is not None and value != "":
            attributes.append(f'{name}="{_quoted(_text(value))}"')
    return "#EXT-X-DATERANGE:" + ",".join(attributes)


def with_product_dateranges(playlist: str, entries: list[dict[str, Any]]) -> str:
    """A VOD media playlist with the product timeline's tags, and a nominal date on its first
    segment so that players can place them. Master playlists and empty timelines pass unchanged."""
    if not entries or "#EXTINF" not in playlist or "#EXT-X-PROGRAM-DATE-TIME" in playlist:
        return playlist
    tags = [
        product_daterange(
            str(entry.get("id") or f"{entry['sku']}@{entry['start_s']}"),
            entry,
            float(entry["start_s"]),
            float(entry["end_s"]) - float(entry["start_s"]),
        )
        for entry in entries
    ]
    lines, placed = [], False
    for line in playlist.splitlines():
        if line.startswith("#EXTINF") and not placed:
            lines += [*tags, f"#EXT-X-PROGRAM-DATE-TIME:{iso_time(0.0)}"]
            placed = True
        lines.append(line)
    return "\n".join(lines) + "\n"


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quoted(text: str) -> str:
    """A quoted-string may hold neither a double quote nor a line break."""
    return " ".join(text.replace('"', "\u201d").split())
