"""Read a live recording's segments back: join them into one file, or cut a range at keyframes.

Both copy packets (PyAV remux), never decode: the segments carry the recording's timeline already, so
joining keeps every packet's time, and a cut starts at the last keyframe at or before its in point.
A segment cut short by a killed process is read up to its last whole packet.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import av
from av.container import InputContainer
from av.stream import Stream

log = logging.getLogger(__name__)

SEGMENT_NAME = re.compile(r"^\d{6}\.(ts|mkv)$")


@dataclass(frozen=True)
class Remuxed:
    path: Path
    duration_s: float
    start_s: float  # where the output starts on the recording's timeline


def segment_files(directory: Path) -> list[Path]:
    """The recording's segments in order (their names are zero-padded sequence numbers)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if SEGMENT_NAME.match(p.name))


def next_sequence(directory: Path) -> int:
    """The number after the last segment written (0 for a new recording): never overwrite one."""
    segments = segment_files(directory)
    return int(segments[-1].name.split(".")[0]) + 1 if segments else 0


def _open(path: Path) -> InputContainer | None:
    try:
        return av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        log.warning("live recording: skipping unreadable segment %s: %s", path.name, exc)
        return None


def _packets(container: InputContainer) -> list[av.Packet[Stream]]:
    """Every whole packet with a timestamp; stops at a torn tail instead of failing."""
    packets: list[av.Packet[Stream]] = []
    try:
        for packet in container.demux():
            if packet.pts is not None and packet.size and packet.stream.type in ("audio", "video"):
                packets.append(packet)
    except (av.FFmpegError, OSError) as exc:
        log.warning("live recording: segment ends early: %s", exc)
    return packets


def _seconds(packet: av.Packet[Stream]) -> float:
    assert packet.pts is not None
    assert packet.time_base is not None
    return float(packet.pts * packet.time_base)


def remux(segments: list[Path], dest: Path, window: tuple[float, float] | None = None) -> Remuxed | None:
    """Copy the segments' packets into one Matroska file; with `window` (in, out seconds on the
    recording's timeline), only from the last video keyframe at or before `in` up to `out`.
    Returns None when nothing was recorded (or nothing in the window)."""
    start = _cut_start(segments, window[0]) if window else None
    end = window[1] if window else float("inf")
    chosen = [(path, _open(path)) for path in segments]
    inputs = [(path, c) for path, c in chosen if c is not None]
    try:
        templates: dict[str, Stream] = {}
        for _path, container in inputs:
            for stream in container.streams:
                if stream.type in ("audio", "video") and stream.type not in templates:
                    templates[stream.type] = stream
        if "video" not in templates:
            return None
        return _write(inputs, templates, dest, start, end)
    finally:
        for _path, container in inputs:
            container.close()


def _write(
    inputs: list[tuple[Path, InputContainer]],
    templates: dict[str, Stream],
    dest: Path,
    start: float | None,
    end: float,
) -> Remuxed | None:
    with av.open(str(dest), "w", format="matroska") as output:
        streams = {kind: output.add_stream_from_template(template) for kind, template in templates.items()}
        origin: float | None = None
        last_dts: dict[str, int] = {}
        finish = 0.0
        for _path, container in inputs:
            for packet in _packets(container):
                at = _seconds(packet)
                kind = packet.stream.type
                if (start is not None and at < start) or at >= end or kind not in streams:
                    continue
                if origin is None:
                    if kind != "video" or not packet.is_keyframe:
                        continue  # the output opens with a picture the decoder can show
                    origin = at
                if at < origin:
                    continue
                pts = packet.pts
                assert pts is not None
                if pts <= last_dts.get(kind, -(1 << 62)):
                    continue
                last_dts[kind] = pts
                duration = float((packet.duration or 0) * packet.time_base) if packet.time_base else 0.0
                finish = max(finish, at + duration)
                _shift(packet, origin)
                packet.stream = streams[kind]
                output.mux(packet)
        if origin is None:
            dest.unlink(missing_ok=True)
            return None
    return Remuxed(dest, finish - origin, origin)


def _shift(packet: av.Packet[Stream], origin: float) -> None:
    assert packet.time_base is not None
    assert packet.pts is not None
    delta = round(origin / packet.time_base)
    packet.pts -= delta
    packet.dts = packet.pts


def _cut_start(segments: list[Path], in_s: float) -> float:
    """The last video keyframe at or before `in_s` (or the first keyframe, if none is earlier)."""
    best: float | None = None
    first: float | None = None
    for path in segments:
        container = _open(path)
        if container is None:
            continue
        with container:
            for packet in _packets(container):
                if packet.stream.type != "video" or not packet.is_keyframe:
                    continue
                at = _seconds(packet)
                first = at if first is None else first
                if at <= in_s + 1e-6:
                    best = at
                elif best is not None:
                    return best
    return best if best is not None else (first if first is not None else in_s)
