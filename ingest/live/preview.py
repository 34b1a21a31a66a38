"""The PD's live monitor: a low-latency HLS playlist over the recording's MPEG-TS segments.

No remux at all: an H.264 recording's segments are MPEG-TS files that open at keyframes, which is
what an HLS media playlist lists. The playlist slides over the last few closed segments and gains
`#EXT-X-ENDLIST` once the publisher has gone. VP8 recordings (Matroska segments) have no preview.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ingest.live.recording_index import INDEX_NAME

WINDOW = 6


def preview_subject(stream_id: str) -> str:
    return f"live-preview:{stream_id}"


def preview_playlist(directory: Path, finished: bool) -> str | None:
    """The sliding media playlist, or None when there is nothing (or nothing H.264) to show."""
    index = directory / INDEX_NAME
    if not index.exists():
        return None
    entries = [json.loads(line) for line in index.read_text().splitlines() if line.strip()]
    entries = [e for e in entries if str(e["name"]).endswith(".ts")][-WINDOW:]
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
    for entry, duration in zip(entries, durations, strict=True):
        lines += [f"#EXTINF:{duration:.3f},", f"preview/{entry['name']}"]
    if finished:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def preview_segment(directory: Path, name: str) -> Path | None:
    """A listed segment's file; names are checked, never joined blindly."""
    if not name.endswith(".ts") or not name[:-3].isdigit():
        return None
    path = directory / name
    return path if path.is_file() else None
