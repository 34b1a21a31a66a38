"""Write a live stream's encoded frames to disk as they arrive, with no decode and no encode.

A recording is a directory of numbered segments, each opening at a video keyframe: MPEG-TS for H.264
(it has no header or index to finish, so a killed process leaves everything written so far playable)
and Matroska for VP8, which MPEG-TS cannot carry. Every packet is flushed to the file as it is muxed.

Packets carry the recording's timeline. aiortc starts each track's timestamps at zero, so a track's
start is placed from the RTCP sender reports (NTP time against RTP time) once both tracks have sent
one, or from the arrival of their first frames if the reports do not come within the sync wait.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Literal

import av
from av.container import OutputContainer
from av.stream import Stream

from ingest.live.recording_index import ArrivalWindow, StreamHealth, finish_segment, segment_name

log = logging.getLogger(__name__)

TrackKind = Literal["audio", "video"]
VideoCodec = Literal["h264", "vp8"]
FrameTap = Callable[[TrackKind, float, float, bytes, bool], None]

_KEYFRAME_REQUEST_EVERY_S = 1.0
# Frames held while waiting for sender reports: past this, tracks are aligned by first arrival.
MAX_HELD_BYTES = 16 * 1024 * 1024


def segment_suffix(video_codec: VideoCodec) -> str:
    return ".ts" if video_codec == "h264" else ".mkv"


def is_keyframe(video_codec: VideoCodec, data: bytes) -> bool:
    """Whether an encoded frame starts a new picture sequence (an H.264 IDR, a VP8 key frame)."""
    if video_codec == "vp8":
        return bool(data) and data[0] & 1 == 0
    return 5 in set(_h264_nal_types(data))


def _h264_nal_types(data: bytes) -> list[int]:
    types = []
    start = data.find(b"\x00\x00\x01")
    while start != -1 and start + 3 < len(data):
        types.append(data[start + 3] & 0x1F)
        start = data.find(b"\x00\x00\x01", start + 3)
    return types


def _vp8_size(data: bytes) -> tuple[int, int] | None:
    """A VP8 key frame's picture size (RFC 6386, 9.1), without decoding it."""
    if len(data) < 10 or data[3:6] != b"\x9d\x01\x2a":
        return None
    return int.from_bytes(data[6:8], "little") & 0x3FFF, int.from_bytes(data[8:10], "little") & 0x3FFF


def _h264_parameter_sets(data: bytes) -> bytes:
    """The SPS and PPS NAL units of a frame: when they change, the picture format did."""
    out = []
    starts = _find_all(data, b"\x00\x00\x01")
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(data)
        if start + 3 < len(data) and data[start + 3] & 0x1F in (7, 8):
            out.append(data[start + 3 : end].rstrip(b"\x00"))
    return b"".join(out)


def _find_all(data: bytes, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at != -1:
        found.append(at)
        at = data.find(needle, at + len(needle))
    return found


@dataclass
class _TrackClock:
    clock_rate: int
    first_arrival: float | None = None
    # (NTP seconds, RTP ticks since the track's first frame) from the latest sender report
    report: tuple[float, int] | None = None
    offset_s: float = 0.0
    last_ticks: int = -1


class FrameMuxer:
    """WHIP's encoded frames into a container: a file of the recording, or a pipe (restream's
    bridge). Packets are flushed as they are muxed."""

    def __init__(
        self, target: str | IO[bytes], video_codec: VideoCodec | None, size: tuple[int, int] | None
    ) -> None:
        kind = "mpegts" if video_codec in ("h264", None) else "matroska"
        self.container: OutputContainer = av.open(target, "w", format=kind, options={"flush_packets": "1"})
        self.streams: dict[TrackKind, Stream] = {}
        if video_codec is not None:
            width, height = size or (0, 0)
            video = self.container.add_mux_stream(video_codec, width=width, height=height)
            video.time_base = Fraction(1, 90000)
            self.streams["video"] = video
        # An Opus encoder context that never encodes: it gives the stream its channel layout and
        # the OpusHead that Matroska and MPEG-TS need to describe the track.
        audio = self.container.add_stream("libopus", rate=48000, layout="stereo")
        audio.time_base = Fraction(1, 48000)
        self.streams["audio"] = audio

    def write(self, kind: TrackKind, at_s: float, duration_s: float, data: bytes, keyframe: bool) -> None:
        stream = self.streams[kind]
        assert stream.time_base is not None
        rate = stream.time_base.denominator
        packet = av.Packet(data)
        packet.stream = stream
        packet.time_base = stream.time_base
        packet.pts = packet.dts = round(at_s * rate)
        packet.duration = round(duration_s * rate)
        packet.is_keyframe = keyframe
        self.container.mux(packet)

    def close(self) -> None:
        self.container.close()


class _Segment(FrameMuxer):
    def __init__(self, path: Path, video_codec: VideoCodec | None, size: tuple[int, int] | None) -> None:
        super().__init__(str(path), video_codec, size)
        self.path = path
        self.size = size
        self.start_s: float | None = None
        self.end_s = 0.0
        self.parameter_sets = b""

    def write(self, kind: TrackKind, at_s: float, duration_s: float, data: bytes, keyframe: bool) -> None:
        super().write(kind, at_s, duration_s, data, keyframe)
        self.start_s = at_s if self.start_s is None else min(self.start_s, at_s)
        self.end_s = max(self.end_s, at_s + duration_s)


class LiveRecorder:
    """One publisher's recording; frames come from aiortc's per-track receiver threads."""

    def __init__(
        self,
        directory: Path,
        video_codec: VideoCodec | None,
        *,
        segment_s: float,
        sync_wait_s: float,
        base_s: float = 0.0,
        first_sequence: int = 0,
        request_keyframe: Callable[[], None] = lambda: None,
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.video_codec = video_codec
        self.segment_s = segment_s
        self.sync_wait_s = sync_wait_s
        self.base_s = base_s
        self.sequence = first_sequence
        self.request_keyframe = request_keyframe
        self._lock = threading.Lock()
        self._clocks: dict[TrackKind, _TrackClock] = {"audio": _TrackClock(48000)}
        if video_codec is not None:
            self._clocks["video"] = _TrackClock(90000)
        self._synced = False
        self._held: list[tuple[TrackKind, int, bytes, float]] = []
        self._held_bytes = 0
        self._segment: _Segment | None = None
        self._need_keyframe = video_codec is not None
        self._last_keyframe_request = 0.0
        self._windows: dict[TrackKind, ArrivalWindow] = {"audio": ArrivalWindow(), "video": ArrivalWindow()}
        self.frames_dropped = 0
        self.keyframe_requests = 0
        self.max_lag_s = 0.0
        self.started = time.monotonic()
        self.last_arrival: float | None = None
        self.end_s = base_s
        self.closed = False
        # sees every frame the recording took, on the recording's timeline (restream's bridge);
        # called under the recorder's lock, so it must not block
        self.tap: FrameTap | None = None

    # --- called from receiver threads and the event loop -------------------------------------

    def write(self, kind: TrackKind, ticks: int, data: bytes) -> None:
        """A complete encoded frame, `ticks` of the track's RTP clock after its first frame."""
        now = time.monotonic()
        with self._lock:
            if self.closed or kind not in self._clocks:
                return
            clock = self._clocks[kind]
            if clock.first_arrival is None:
                clock.first_arrival = now
            self.last_arrival = now
            self.max_lag_s = max(self.max_lag_s, now - clock.first_arrival - ticks / clock.clock_rate)
            self._windows[kind].add(now, len(data))
            if self._synced:
                self._emit(kind, ticks, data)
                return
            self._held.append((kind, ticks, data, now))
            self._held_bytes += len(data)
            if self._sync_ready(now) or self._held_bytes > MAX_HELD_BYTES:
                self._sync()

    # The next two run on the event loop: they only set a field (no lock, no I/O), and the
    # receiver threads act on it with their next frame.

    def sender_report(self, kind: TrackKind, ntp_s: float, ticks: int) -> None:
        """An RTCP sender report, its RTP time already made relative to the track's first frame."""
        if kind in self._clocks:
            self._clocks[kind].report = (ntp_s, ticks)

    def frames_lost(self) -> None:
        """aiortc lost part of a video frame: what follows refers to it, so wait for a keyframe."""
        if self.video_codec is not None:
            self._need_keyframe = True

    def silent_for_s(self) -> float:
        """Seconds since the last frame arrived (or since the recorder started, if none has)."""
        return time.monotonic() - (self.last_arrival or self.started)

    def health(self) -> StreamHealth:
        now = time.monotonic()
        with self._lock:
            video_kbps, fps = self._windows["video"].rates(now)
            audio_kbps, _ = self._windows["audio"].rates(now)
            return StreamHealth(
                video_kbps,
                audio_kbps,
                fps,
                self.frames_dropped,
                self.keyframe_requests,
                self.end_s,
                self.max_lag_s,
            )

    def close(self) -> float:
        """Write what is held, close the open segment; returns where the recording ends."""
        with self._lock:
            if self.closed:
                return self.end_s
            if not self._synced and self._held:
                self._sync()
            self._close_segment()
            self.closed = True
            return self.end_s

    # --- inside the lock ----------------------------------------------------------------------

    def _sync_ready(self, now: float) -> bool:
        if all(clock.report is not None for clock in self._clocks.values()):
            return all(clock.first_arrival is not None for clock in self._clocks.values())
        arrivals = [c.first_arrival for c in self._clocks.values() if c.first_arrival is not None]
        return bool(arrivals) and now - min(arrivals) >= self.sync_wait_s

    def _sync(self) -> None:
        clocks = self._clocks
        reported = {k: c for k, c in clocks.items() if c.report is not None and c.first_arrival is not None}
        if len(reported) == len(clocks):
            starts = {k: c.report[0] - c.report[1] / c.clock_rate for k, c in reported.items() if c.report}
            how = "sender reports"
        else:
            starts = {k: c.first_arrival for k, c in clocks.items() if c.first_arrival is not None}
            how = "first arrivals"
        origin = min(starts.values())
        for kind, start in starts.items():
            clocks[kind].offset_s = start - origin
        log.info("live recording %s: tracks aligned by %s: %s", self.directory.name, how, starts)
        self._synced = True
        held, self._held, self._held_bytes = self._held, [], 0
        for kind, ticks, data, _ in sorted(held, key=lambda h: h[3]):
            self._emit(kind, ticks, data)

    def _emit(self, kind: TrackKind, ticks: int, data: bytes) -> None:
        clock = self._clocks[kind]
        if ticks <= clock.last_ticks:
            return  # a duplicate or a frame from before the last one: timestamps must rise
        at_s = self.base_s + clock.offset_s + ticks / clock.clock_rate
        if kind == "video":
            self._emit_video(at_s, data)
        elif self._segment is not None or self.video_codec is None:
            if self._segment is None or (self.video_codec is None and self._segment_full(at_s)):
                self._rotate(at_s, None)
            self._write("audio", at_s, 960 / 48000, data, keyframe=True)
        clock.last_ticks = ticks

    def _emit_video(self, at_s: float, data: bytes) -> None:
        assert self.video_codec is not None
        keyframe = is_keyframe(self.video_codec, data)
        if self._need_keyframe and not keyframe:
            self.frames_dropped += 1
            self._ask_for_keyframe()
            return
        if keyframe:
            self._need_keyframe = False
            changed = self._format_changed(data)
            if self._segment is None or changed or self._segment_full(at_s):
                self._rotate(at_s, data)
        frame_s = 1 / 30
        self._write("video", at_s, frame_s, data, keyframe)

    def _format_changed(self, data: bytes) -> bool:
        if self._segment is None:
            return True
        if self.video_codec == "vp8":
            size = _vp8_size(data)
            return size is not None and size != self._segment.size
        sets = _h264_parameter_sets(data)
        return bool(sets) and bool(self._segment.parameter_sets) and sets != self._segment.parameter_sets

    def _segment_full(self, at_s: float) -> bool:
        segment = self._segment
        return segment is None or segment.start_s is None or at_s - segment.start_s >= self.segment_s

    def _rotate(self, at_s: float, keyframe: bytes | None) -> None:
        self._close_segment()
        size = _vp8_size(keyframe) if keyframe is not None and self.video_codec == "vp8" else None
        name = segment_name(self.sequence, segment_suffix(self.video_codec or "h264"))
        self.sequence += 1
        self._segment = _Segment(self.directory / name, self.video_codec, size)
        if keyframe is not None and self.video_codec == "h264":
            self._segment.parameter_sets = _h264_parameter_sets(keyframe)
        log.debug("live recording %s: segment %s at %.3f s", self.directory.name, name, at_s)

    def _write(self, kind: TrackKind, at_s: float, duration_s: float, data: bytes, keyframe: bool) -> None:
        assert self._segment is not None
        try:
            self._segment.write(kind, at_s, duration_s, data, keyframe)
        except (av.FFmpegError, ValueError) as exc:
            self.frames_dropped += 1
            log.warning("live recording %s: dropped a %s frame: %s", self.directory.name, kind, exc)
            return
        self.end_s = max(self.end_s, at_s + duration_s)
        if self.tap is not None:
            self.tap(kind, at_s, duration_s, data, keyframe)

    def _close_segment(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        finish_segment(self.directory, segment)

    def _ask_for_keyframe(self) -> None:
        now = time.monotonic()
        if now - self._last_keyframe_request >= _KEYFRAME_REQUEST_EVERY_S:
            self._last_keyframe_request = now
            self.keyframe_requests += 1
            self.request_keyframe()
