"""Record a demuxed live stream (RTMP's FLV, SRT's MPEG-TS) as it arrives, copying its packets.

The publisher's encoder already did the work: its H.264 (or HEVC) and AAC packets go into the
recording's MPEG-TS segments untouched, with their own decode and presentation times, so B-frames
survive and nothing is decoded or encoded. FFmpeg's MPEG-TS muxer turns FLV's length-prefixed H.264
into Annex B and gives raw AAC its ADTS headers on the way (its automatic bitstream filters).

Times are the publisher's, moved so that the session's first packet lands at `base_s` on the
recording's timeline (after a reconnect, where the previous session stopped). A segment opens at a
video keyframe once the one before has lasted `segment_s`, as the WHIP recorder's do, so the preview,
instant clips and the hand-off read all recordings alike.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
from av.container import OutputContainer
from av.stream import Stream

from ingest.live.recording_index import (
    ArrivalWindow,
    RecordingPlace,
    StreamHealth,
    finish_segment,
    segment_name,
)

log = logging.getLogger(__name__)

_SUFFIX = ".ts"
_MAX_HELD = 500  # audio packets before the first keyframe: seconds of it, for a GOP of seconds


@dataclass
class _Track:
    template: Stream
    kind: str
    last_dts: int | None = None
    next_dts: int | None = None  # where the next packet starts, for one that comes without a time
    window: ArrivalWindow = field(default_factory=ArrivalWindow)


def _stamp(track: _Track, packet: av.Packet[Stream]) -> int | None:
    """The packet's decode time. MPEG-TS times only the first of the AAC frames that share a PES
    packet; the others follow it, one frame's duration apart, so they are given those times."""
    assert packet.time_base is not None
    dts = packet.dts if packet.dts is not None else packet.pts
    if dts is None:
        dts = track.next_dts
        if dts is None:
            return None
        packet.dts = packet.pts = dts
    track.next_dts = dts + (packet.duration or _frame_ticks(track.template, packet.time_base))
    return dts


def _frame_ticks(stream: Stream, time_base: Fraction) -> int:
    """One audio frame's duration in `time_base` (an AAC frame is 1024 samples); 0 for video."""
    codec = stream.codec_context
    rate = getattr(codec, "sample_rate", 0) or 0
    if stream.type != "audio" or not rate:
        return 0
    samples = getattr(codec, "frame_size", 0) or 1024
    return max(1, round(Fraction(samples, rate) / time_base))


class _TsSegment:
    def __init__(self, path: Path, tracks: dict[int, _Track]) -> None:
        self.path = path
        self.container: OutputContainer = av.open(
            str(path), "w", format="mpegts", options={"flush_packets": "1"}
        )
        self.streams = {
            index: self.container.add_stream_from_template(t.template) for index, t in tracks.items()
        }
        self.start_s: float | None = None
        self.end_s = 0.0

    def close(self) -> None:
        self.container.close()


def recorder_at(place: RecordingPlace, segment_s: float) -> PacketRecorder:
    """A recorder for a new session of a stream, where its recording goes on (`LiveNode.recording_place`)."""
    return PacketRecorder(
        place.directory, segment_s=segment_s, base_s=place.base_s, first_sequence=place.first_sequence
    )


class PacketRecorder:
    """One publisher's recording, fed from one thread (the one reading its connection)."""

    def __init__(
        self, directory: Path, *, segment_s: float, base_s: float = 0.0, first_sequence: int = 0
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.segment_s = segment_s
        self.base_s = base_s
        self.sequence = first_sequence
        self._lock = threading.Lock()
        self._tracks: dict[int, _Track] = {}
        self._video: int | None = None
        self._origin: Fraction | None = None
        self._segment: _TsSegment | None = None
        self._held: list[tuple[av.Packet[Stream], float]] = []
        self.frames_dropped = 0
        self.max_lag_s = 0.0
        self.started = time.monotonic()
        self._first_arrival: float | None = None
        self.last_arrival: float | None = None
        self.end_s = base_s
        self.closed = False

    def add_tracks(self, streams: list[Stream]) -> None:
        """The input's audio and video streams (others, such as data, are left out)."""
        for stream in streams:
            if stream.type in ("audio", "video"):
                self._tracks[stream.index] = _Track(stream, stream.type)
                if stream.type == "video" and self._video is None:
                    self._video = stream.index

    @property
    def has_video(self) -> bool:
        return self._video is not None

    def write(self, packet: av.Packet[Stream]) -> None:
        """One demuxed packet of a track given to `add_tracks`; others are ignored."""
        track = self._tracks.get(packet.stream.index)
        if track is None or packet.size == 0 or packet.time_base is None:
            return
        now = time.monotonic()
        with self._lock:
            if self.closed:
                return
            self.last_arrival = now
            track.window.add(now, packet.size)
            dts = _stamp(track, packet)
            if dts is None:
                self._drop(track)
                return
            if track.last_dts is not None and dts <= track.last_dts:
                self._drop(track)  # timestamps must rise within a track
                return
            self._place(packet, dts, now)
            at_s = float(self.base_s + (dts * packet.time_base - (self._origin or 0)))
            if self._segment is None and self._video is not None and track.kind == "audio":
                self._hold(packet, at_s)  # MPEG-TS sends audio ahead of the first picture
                return
            if not self._segment_for(track, packet, at_s):
                return
            track.last_dts = dts
            self._mux(packet, at_s)
            self._write_held()

    def silent_for_s(self) -> float:
        """Seconds since the last packet arrived (or since the recorder started, if none has)."""
        return time.monotonic() - (self.last_arrival or self.started)

    def health(self) -> StreamHealth:
        now = time.monotonic()
        with self._lock:
            video = self._tracks.get(self._video) if self._video is not None else None
            video_kbps, fps = video.window.rates(now) if video else (0.0, 0.0)
            audio = [t.window.rates(now)[0] for t in self._tracks.values() if t.kind == "audio"]
            return StreamHealth(
                video_kbps, sum(audio), fps, self.frames_dropped, 0, self.end_s, self.max_lag_s
            )

    def close(self) -> float:
        """Close the open segment; returns where the recording ends."""
        with self._lock:
            if not self.closed:
                self._close_segment()
                self.closed = True
            return self.end_s

    # --- inside the lock ----------------------------------------------------------------------

    def _hold(self, packet: av.Packet[Stream], at_s: float) -> None:
        """Keep audio that came before the first keyframe, for the first segment (bounded)."""
        if len(self._held) < _MAX_HELD:
            self._held.append((packet, at_s))
        else:
            self._drop(self._tracks[packet.stream.index])

    def _write_held(self) -> None:
        held, self._held = self._held, []
        for packet, at_s in held:
            track = self._tracks[packet.stream.index]
            dts = packet.dts if packet.dts is not None else packet.pts
            if dts is not None and (track.last_dts is None or dts > track.last_dts):
                track.last_dts = dts
                self._mux(packet, at_s)

    def _place(self, packet: av.Packet[Stream], dts: int, now: float) -> None:
        """Fix the session's origin on its first packet; track how far arrivals lag the media."""
        assert packet.time_base is not None
        media_s = dts * packet.time_base
        if self._origin is None:
            self._origin, self._first_arrival = media_s, now
        assert self._first_arrival is not None
        self.max_lag_s = max(self.max_lag_s, now - self._first_arrival - float(media_s - self._origin))

    def _segment_for(self, track: _Track, packet: av.Packet[Stream], at_s: float) -> bool:
        """Open a segment where one should open; False for a packet that no segment may take yet."""
        if at_s < self.base_s:
            self._drop(track)  # before the session's first packet: nothing to place it after
            return False
        if self._video is None:
            if self._segment is None or self._full(at_s):
                self._rotate(at_s)
            return True
        if track.kind == "video" and packet.is_keyframe and (self._segment is None or self._full(at_s)):
            self._rotate(at_s)
        if self._segment is None:
            self._drop(track)  # a segment opens with a picture the decoder can show
            return False
        return True

    def _full(self, at_s: float) -> bool:
        segment = self._segment
        return segment is None or segment.start_s is None or at_s - segment.start_s >= self.segment_s

    def _drop(self, track: _Track) -> None:
        if track.kind == "video":
            self.frames_dropped += 1

    def _mux(self, packet: av.Packet[Stream], at_s: float) -> None:
        segment = self._segment
        assert segment is not None
        assert packet.time_base is not None
        shift = round((self.base_s - (self._origin or 0)) / packet.time_base)
        dts = packet.dts if packet.dts is not None else packet.pts
        assert dts is not None
        packet.dts = dts + shift
        packet.pts = (packet.pts if packet.pts is not None else dts) + shift
        duration_s = float((packet.duration or 0) * packet.time_base)
        index = packet.stream.index
        packet.stream = segment.streams[index]
        try:
            segment.container.mux(packet)
        except (av.FFmpegError, ValueError) as exc:
            self._drop(self._tracks[index])
            log.warning("live recording %s: dropped a packet: %s", self.directory.name, exc)
            return
        if segment.start_s is None:
            segment.start_s = at_s  # its opening keyframe: audio muxed beside it may be a little earlier
        segment.end_s = max(segment.end_s, at_s + duration_s)
        self.end_s = max(self.end_s, segment.end_s)

    def _rotate(self, at_s: float) -> None:
        self._close_segment()
        name = segment_name(self.sequence, _SUFFIX)
        self.sequence += 1
        self._segment = _TsSegment(self.directory / name, self._tracks)
        log.debug("live recording %s: segment %s at %.3f s", self.directory.name, name, at_s)

    def _close_segment(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        finish_segment(self.directory, segment)
