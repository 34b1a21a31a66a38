"""Read a live recording's segments back: join them into one file, or cut a range at keyframes.

Both copy packets (PyAV remux), never decode: the segments carry the recording's timeline already, so
joining keeps every packet's time, and a cut starts at the last keyframe at or before its in point.
A segment cut short by a killed process is read up to its last whole packet.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import av
from av.container import InputContainer, OutputContainer
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
    taken = _Window(start, window[1] if window else float("inf"))
    sources = _track_sources(segments)
    if "video" not in sources:
        return None
    with av.open(str(dest), "w", format="matroska") as output:
        streams = {kind: _add_stream(output, kind, path) for kind, path in sources.items()}
        _copy(segments, output, streams, taken)
    if taken.origin is None:
        dest.unlink(missing_ok=True)
        return None
    return Remuxed(dest, taken.finish - taken.origin, taken.origin)


# Segments are opened one at a time, never all at once: an hour at 2 s segments is 1800 demuxers,
# more files than a process may have open, and a segment that cannot be opened is skipped.


def _track_sources(segments: list[Path]) -> dict[str, Path]:
    """The first segment holding each kind of track (audio, video)."""
    found: dict[str, Path] = {}
    for path in segments:
        container = _open(path)
        if container is None:
            continue
        with container:
            for stream in container.streams:
                if stream.type in ("audio", "video"):
                    found.setdefault(stream.type, path)
        if len(found) == 2:
            break
    return found


def _add_stream(output: OutputContainer, kind: str, path: Path) -> Stream:
    with av.open(str(path)) as container:
        template = next(s for s in container.streams if s.type == kind)
        return output.add_stream_from_template(template)


@dataclass
class _Window:
    """Which packets go into the output, and where it starts and ends on the recording's timeline."""

    start: float | None
    end: float
    origin: float | None = None
    finish: float = 0.0
    last_dts: dict[str, int] = field(default_factory=dict)

    def takes(self, packet: av.Packet[Stream]) -> bool:
        at, kind = _seconds(packet), packet.stream.type
        if (self.start is not None and at < self.start) or at >= self.end:
            return False
        if self.origin is None:
            if kind != "video" or not packet.is_keyframe:
                return False  # the output opens with a picture the decoder can show
            self.origin = _decode_seconds(packet)
        # Decode order rises; presentation order does not where the publisher sent B-frames.
        stamp = _decode_stamp(packet)
        if _decode_seconds(packet) < self.origin or stamp <= self.last_dts.get(kind, -(1 << 62)):
            return False
        self.last_dts[kind] = stamp
        duration = float((packet.duration or 0) * packet.time_base) if packet.time_base else 0.0
        self.finish = max(self.finish, at + duration)
        return True


def _copy(segments: list[Path], output: OutputContainer, streams: dict[str, Stream], window: _Window) -> None:
    for path in segments:
        container = _open(path)
        if container is None:
            continue
        with container:
            for packet in _packets(container):
                kind = packet.stream.type
                if kind in streams and window.takes(packet):
                    assert window.origin is not None
                    _shift(packet, window.origin)
                    packet.stream = streams[kind]
                    output.mux(packet)


def _shift(packet: av.Packet[Stream], origin: float) -> None:
    """Move the packet `origin` seconds earlier, decode and presentation times alike."""
    assert packet.time_base is not None
    assert packet.pts is not None
    delta = round(origin / packet.time_base)
    packet.dts = _decode_stamp(packet) - delta
    packet.pts -= delta


def _decode_stamp(packet: av.Packet[Stream]) -> int:
    stamp = packet.dts if packet.dts is not None else packet.pts
    assert stamp is not None
    return stamp


def _decode_seconds(packet: av.Packet[Stream]) -> float:
    assert packet.time_base is not None
    return float(_decode_stamp(packet) * packet.time_base)


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
