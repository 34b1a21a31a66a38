"""The PD's live monitor: a low-latency HLS playlist over the recording's MPEG-TS segments.

No remux at all: an H.264 recording's segments are MPEG-TS files that open at keyframes, which is
what an HLS media playlist lists. The playlist slides over the last few closed segments and gains
`#EXT-X-ENDLIST` once the publisher has gone. VP8 recordings (Matroska segments) have no preview.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingest.live.pins_view import PinMark
from ingest.live.recording_index import read_index, wall_zero
from shopcast.media.hls_dateranges import iso_time, product_daterange

WINDOW = 6


def preview_subject(stream_id: str) -> str:
    return f"live-preview:{stream_id}"


def preview_playlist(directory: Path, finished: bool, pins: Sequence[PinMark] = ()) -> str | None:
    """The sliding media playlist, or None when there is nothing (or nothing H.264) to show.

    Every segment carries its wall clock (`#EXT-X-PROGRAM-DATE-TIME`) and every pin that reaches
    into the window an `#EXT-X-DATERANGE` of class `com.shopcast.product`, so that a player shows
    the product card of the moment it plays."""
    entries = [e for e in read_index(directory) if str(e["name"]).endswith(".ts")][-WINDOW:]
    if not entries:
        return None
    durations = [max(0.001, float(e["end_s"]) - float(e["start_s"])) for e in entries]
    first_sequence = int(str(entries[0]["name"]).split(".")[0])
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{math.ceil(max(durations))}",
        f"#EXT-X-MEDIA-SEQUENCE:{first_sequence}",
    ]
    window_start = _segment_wall(entries[0])
    lines += [_pin_tag(pin) for pin in pins if window_start is None or _reaches(pin, window_start)]
    for entry, duration in zip(entries, durations, strict=True):
        wall = _segment_wall(entry)
        if wall is not None:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{iso_time(wall)}")
        lines += [f"#EXTINF:{duration:.3f},", f"preview/{entry['name']}"]
    if finished:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _segment_wall(entry: dict[str, Any]) -> float | None:
    zero = wall_zero(entry)
    return zero + float(entry["start_s"]) if zero is not None else None


def _reaches(pin: PinMark, moment: float) -> bool:
    return pin.end_at is None or pin.end_at > moment


def _pin_tag(pin: PinMark) -> str:
    duration = pin.end_at - pin.start_at if pin.end_at is not None else None
    return product_daterange(pin.id, pin.product, pin.start_at, duration)


def preview_segment(directory: Path, name: str) -> Path | None:
    """A listed segment's file; names are checked, never joined blindly."""
    if not name.endswith(".ts") or not name[:-3].isdigit():
        return None
    path = directory / name
    return path if path.is_file() else None
