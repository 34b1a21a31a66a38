"""Joining the chunks of a split encode into one media playlist per rung, without touching media.

Each chunk wrote whole segments stamped with their real decode times, starting on a segment
boundary, so the joined playlist is the chunks' segment lists one after another. Chunks encoded
with the same settings write byte-identical init segments; then one EXT-X-MAP serves all of them,
otherwise each chunk's segments are preceded by its own.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from transcode.hls.command import SEGMENT_S, Window

_EXTINF = re.compile(r"^#EXTINF:([0-9.]+),")
_MAP = re.compile(r'^#EXT-X-MAP:URI="([^"]+)"')
LEAD_FRAMES = 3  # more than x264's largest reorder delay (2 frames), see Window


@dataclass(frozen=True)
class Segment:
    uri: str
    duration_s: float
    size: int


@dataclass(frozen=True)
class ChunkRung:
    """What one chunk wrote for one rung."""

    init_uri: str
    init_sha256: str
    segments: list[Segment]
    codecs: str

    def to_json(self) -> dict[str, Any]:
        return {
            "init_uri": self.init_uri,
            "init_sha256": self.init_sha256,
            "segments": [[s.uri, s.duration_s, s.size] for s in self.segments],
            "codecs": self.codecs,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChunkRung:
        segments = [Segment(str(uri), float(d), int(size)) for uri, d, size in data["segments"]]
        return cls(str(data["init_uri"]), str(data["init_sha256"]), segments, str(data["codecs"]))


def plan_windows(duration_s: float, chunk_s: int, fps: float) -> list[Window]:
    """Chunks of about `chunk_s`, each starting on an output frame and a segment boundary; a short
    remainder (under a quarter chunk) joins the last chunk instead of being a chunk of its own."""
    rate = Fraction(fps).limit_denominator(1001)
    count = max(1, int(duration_s // chunk_s))
    if duration_s - count * chunk_s >= chunk_s / 4:
        count += 1
    starts = [_on_frame(index * chunk_s, rate) for index in range(count)]
    lead = float(LEAD_FRAMES / rate)
    windows = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < count else duration_s + 1.0  # the rest, whatever it is
        windows.append(Window(index=index, start_s=start, duration_s=end - start, lead_s=lead))
    return windows


def _on_frame(seconds: float, rate: Fraction) -> float:
    return float(round(seconds * rate) / rate)


def describe_chunk_rung(rung_dir: Path, label: str, codecs: str) -> ChunkRung:
    """Read the playlist FFmpeg wrote for one chunk's rung, with the sizes of its files."""
    lines = (rung_dir / f"{label}.m3u8").read_text().splitlines()
    init_uri = next(m.group(1) for line in lines if (m := _MAP.match(line)))
    segments = []
    for line, following in itertools.pairwise(lines):
        match = _EXTINF.match(line)
        if match:
            uri = following.strip()
            segments.append(Segment(uri, float(match.group(1)), (rung_dir / uri).stat().st_size))
    digest = hashlib.sha256((rung_dir / init_uri).read_bytes()).hexdigest()
    return ChunkRung(init_uri, digest, segments, codecs)


def stitched_playlist(chunks: list[ChunkRung]) -> str:
    """One VOD media playlist over every chunk's segments, in order."""
    shared_init = len({chunk.init_sha256 for chunk in chunks}) == 1
    longest = max((s.duration_s for chunk in chunks for s in chunk.segments), default=SEGMENT_S)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{math.ceil(longest - 0.001)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    for index, chunk in enumerate(chunks):
        if index == 0 or not shared_init:
            lines.append(f'#EXT-X-MAP:URI="{chunk.init_uri}"')
        for segment in chunk.segments:
            lines += [f"#EXTINF:{segment.duration_s:.6f},", segment.uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def bandwidth(chunks: list[ChunkRung]) -> tuple[int, int, float]:
    """Peak and average bits per second over every chunk's segments, and the total duration."""
    segments = [s for chunk in chunks for s in chunk.segments]
    duration = sum(s.duration_s for s in segments)
    peak = max((s.size * 8 / s.duration_s for s in segments if s.duration_s), default=0.0)
    average = sum(s.size * 8 for s in segments) / duration if duration else 0.0
    return round(peak), round(average), duration
