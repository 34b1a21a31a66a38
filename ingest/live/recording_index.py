"""What every live recording shares, whichever protocol feeds it: the index of its closed segments
and the health figures of the incoming stream.

A recording is a directory of numbered segments, each opening at a video keyframe, plus an index
(`segments.jsonl`) with a line per closed segment: its name and where it starts and ends on the
recording's timeline. The preview, instant clips and the hand-off read the directory through it.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

INDEX_NAME = "segments.jsonl"
HEALTH_WINDOW_S = 5.0


def append_to_index(directory: Path, name: str, start_s: float, end_s: float) -> None:
    """Note a segment that has just been closed (it is whole on disk from now on), with the wall
    clock of its closing: a segment closes when the frame at its `end_s` arrives, so `at - end_s` is
    the wall time of the recording's zero for this stretch (`wall_zero`)."""
    entry = {"name": name, "start_s": start_s, "end_s": end_s, "at": round(time.time(), 3)}
    with (directory / INDEX_NAME).open("a") as index:
        index.write(json.dumps(entry) + "\n")


def segment_name(sequence: int, suffix: str) -> str:
    return f"{sequence:06d}{suffix}"


def read_index(directory: Path) -> list[dict[str, Any]]:
    """The closed segments, in recording order."""
    index = directory / INDEX_NAME
    if not index.exists():
        return []
    return [json.loads(line) for line in index.read_text().splitlines() if line.strip()]


def wall_zero(entry: dict[str, Any]) -> float | None:
    """The wall clock (epoch seconds) at which this segment's stretch of the recording began
    counting from zero; None for entries written before segments noted their closing."""
    at = entry.get("at")
    return float(at) - float(entry["end_s"]) if at is not None else None


def recording_time(entries: list[dict[str, Any]], wall: float) -> float:
    """Where a wall-clock moment falls on the recording's timeline: measured from the segment
    whose wall-clock stretch holds it (or the nearest one), so a publisher's reconnect gap, which
    the recording skips, does not shift later moments. Clamped to the recording."""
    best: tuple[float, float] | None = None
    for entry in entries:
        zero = wall_zero(entry)
        if zero is None:
            continue
        begin, end = zero + float(entry["start_s"]), zero + float(entry["end_s"])
        distance = 0.0 if begin <= wall <= end else min(abs(wall - begin), abs(wall - end))
        if best is None or distance < best[0]:
            best = (distance, wall - zero)
    if best is None or not entries:
        return 0.0
    return min(max(best[1], float(entries[0]["start_s"])), float(entries[-1]["end_s"]))


@dataclass(frozen=True)
class RecordingPlace:
    """Where a new session of a stream records: its folder, the next segment number, and where on
    the recording's timeline it starts (after the session it continues, if any)."""

    directory: Path
    first_sequence: int
    base_s: float


class OpenSegment(Protocol):
    path: Path
    start_s: float | None
    end_s: float

    def close(self) -> None: ...


def finish_segment(directory: Path, segment: OpenSegment) -> None:
    """Close a segment: indexed if it holds anything, deleted if it holds nothing."""
    segment.close()
    if segment.start_s is None:
        segment.path.unlink(missing_ok=True)
        return
    append_to_index(directory, segment.path.name, segment.start_s, segment.end_s)


@dataclass
class StreamHealth:
    """What a PD's monitor and /metrics show about an incoming stream."""

    video_kbps: float
    audio_kbps: float
    fps: float
    frames_dropped: int
    keyframe_requests: int
    seconds_recorded: float
    # how late the latest frames reached the recorder, against the publisher's own clock: a recorder
    # that keeps up stays near zero; one that falls behind grows without bound
    max_lag_s: float

    def to_json(self) -> dict[str, float | int]:
        return {
            "video_kbps": round(self.video_kbps, 1),
            "audio_kbps": round(self.audio_kbps, 1),
            "fps": round(self.fps, 2),
            "frames_dropped": self.frames_dropped,
            "keyframe_requests": self.keyframe_requests,
            "seconds_recorded": round(self.seconds_recorded, 3),
            "max_lag_s": round(self.max_lag_s, 3),
        }


@dataclass
class ArrivalWindow:
    """Sizes of frames that arrived in the last few seconds."""

    arrivals: deque[tuple[float, int]] = field(default_factory=deque)
    first: float | None = None

    def add(self, now: float, size: int) -> None:
        self.first = now if self.first is None else self.first
        self.arrivals.append((now, size))
        while self.arrivals and self.arrivals[0][0] < now - HEALTH_WINDOW_S:
            self.arrivals.popleft()

    def rates(self, now: float) -> tuple[float, float]:
        """(kilobits per second, frames per second) over the window, or over the time since the first
        frame while that is shorter (a stream seconds old is not half as fast as it will be)."""
        recent = [size for at, size in self.arrivals if at >= now - HEALTH_WINDOW_S]
        span = min(HEALTH_WINDOW_S, max(1.0, now - (self.first or now)))
        return sum(recent) * 8 / 1000 / span, len(recent) / span
