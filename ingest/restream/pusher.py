"""One destination of a live stream: a thread that connects, copies the stream's packets to it as they
arrive, and reconnects with backoff for as long as the stream lives.

The reader that records the stream hands each packet to every pusher (`feed`) and never waits for
one: a pusher keeps a bounded queue, and one that falls behind (a slow or stalled destination) drops
what it holds and starts again at the next keyframe, counted as dropped. Each connection starts its
own timeline at zero, at a keyframe, so the destination gets a stream it can decode from its first
packet. Nothing is decoded or encoded.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import av
from av.stream import Stream

from ingest.restream.models import PushState
from ingest.restream.outputs import Output, open_output
from ingest.restream.urls import UnsafeDestination, addresses_for, parse_destination

log = logging.getLogger(__name__)

_QUEUE_PACKETS = 600  # about five seconds of a 30 fps picture and its audio
_FIRST_RETRY_S = 1.0
_RATE_WINDOW_S = 5.0


@dataclass(frozen=True)
class PushReport:
    """What a pusher tells its owner: a new state (and why), or that it reconnected."""

    destination_id: str
    state: PushState
    error: str | None = None
    reconnected: bool = False


@dataclass(frozen=True)
class PacketCopy:
    """A packet of the stream as it arrived, copied once for every pusher (the recorder goes on to
    re-time the original)."""

    data: bytes
    index: int
    pts: int | None
    dts: int | None
    time_base: Fraction
    keyframe: bool
    kind: str

    @classmethod
    def of(cls, packet: av.Packet[Stream]) -> PacketCopy | None:
        if not packet.size or packet.time_base is None or packet.stream.type not in ("audio", "video"):
            return None
        return cls(
            bytes(packet), packet.stream.index, packet.pts, packet.dts, packet.time_base,
            bool(packet.is_keyframe), packet.stream.type,
        )  # fmt: skip


@dataclass
class _Rate:
    sent: deque[tuple[float, int]] = field(default_factory=deque)

    def add(self, size: int) -> None:
        now = time.monotonic()
        self.sent.append((now, size))
        while self.sent and self.sent[0][0] < now - _RATE_WINDOW_S:
            self.sent.popleft()

    def kbps(self) -> float:
        return sum(size for _, size in self.sent) * 8 / 1000 / _RATE_WINDOW_S


class Pusher:
    def __init__(
        self,
        destination_id: str,
        url: str,
        tracks: list[Stream],
        *,
        allow_private: bool,
        retry_max_s: float,
        report: Callable[[PushReport], None],
    ) -> None:
        self.destination_id = destination_id
        self.url = url
        self.tracks = {track.index: track for track in tracks if track.type in ("audio", "video")}
        self.has_video = any(track.type == "video" for track in self.tracks.values())
        self.allow_private = allow_private
        self.retry_max_s = retry_max_s
        self.report = report
        self.dropped = 0
        self.rate = _Rate()
        self._queue: queue.Queue[PacketCopy | None] = queue.Queue(_QUEUE_PACKETS)
        self._stopping = threading.Event()
        self._need_keyframe = True
        self._thread = threading.Thread(target=self._run, name=f"restream-{destination_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def feed(self, copy: PacketCopy) -> None:
        """Called by the stream's reader for every packet; never blocks."""
        if copy.index not in self.tracks:
            return
        try:
            self._queue.put_nowait(copy)
        except queue.Full:
            self._fall_behind()

    def stop(self, timeout_s: float = 10.0) -> None:
        """End the push cleanly (the container's trailer, the connection's close)."""
        self._stopping.set()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            self._drain()
            self._queue.put_nowait(None)
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    # --- the pusher's thread ----------------------------------------------------------------------

    def _run(self) -> None:
        delay = _FIRST_RETRY_S
        failures = 0
        while not self._stopping.is_set():
            self.report(PushReport(self.destination_id, PushState.connecting))
            try:
                self._push_once(reconnected=failures > 0)
                return  # the stream ended and the push closed cleanly
            except UnsafeDestination as refused:
                self.report(PushReport(self.destination_id, PushState.failed, str(refused)))
                return
            except (OSError, av.FFmpegError) as exc:
                failures += 1
                self.report(PushReport(self.destination_id, PushState.retrying, _why(exc)))
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, self.retry_max_s)

    def _push_once(self, reconnected: bool) -> None:
        destination = parse_destination(self.url)
        address = addresses_for(destination, self.allow_private)[0]  # checked at every connection
        output = open_output(destination, address)
        try:
            streams = {
                index: output.container.add_stream_from_template(t) for index, t in self.tracks.items()
            }
            output.container.start_encoding()
            self.report(PushReport(self.destination_id, PushState.live, reconnected=reconnected))
            # What queued while connecting goes out first, from its oldest keyframe: a destination
            # gets the show from where the connection began (a queue that overflowed was cleared).
            self._need_keyframe = True
            self._copy_until_stopped(output, streams)
        finally:
            self._close_quietly(output)

    def _copy_until_stopped(self, output: Output, streams: dict[int, Stream]) -> None:
        origin: list[float] = []  # this connection's first packet, on the stream's clock
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._need_keyframe:
                if self.has_video and not (item.kind == "video" and item.keyframe):
                    continue  # a destination's stream opens with a picture it can decode
                self._need_keyframe = False
            packet = _packet(item, origin)
            packet.stream = streams[item.index]
            try:
                output.container.mux(packet)
            except (av.error.InvalidDataError, ValueError) as exc:
                log.debug("restream %s: dropped a packet: %s", self.destination_id, exc)
                continue
            self.rate.add(len(item.data))

    def _fall_behind(self) -> None:
        """The destination cannot keep up: what is queued is dropped, and the push goes on from the
        next keyframe, so the reader is never held up."""
        self.dropped += self._drain()
        self._need_keyframe = True

    def _drain(self) -> int:
        drained = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return drained
            if item is None:
                self._queue.put_nowait(None)  # keep the end for the pusher
                return drained
            drained += 1

    def _close_quietly(self, output: Output) -> None:
        try:
            output.close()
        except (OSError, av.FFmpegError) as exc:
            log.info("restream %s: closing the push: %s", self.destination_id, exc)


def _packet(item: PacketCopy, origin: list[float]) -> av.Packet[Stream]:
    """A packet of the copy, timed from this connection's first packet (one clock for all tracks)."""
    packet = av.Packet(item.data)
    packet.time_base = item.time_base
    stamp = item.dts if item.dts is not None else item.pts
    if not origin:
        origin.append(float((stamp or 0) * item.time_base))
    shift = round(origin[0] / item.time_base)
    packet.dts = None if item.dts is None else item.dts - shift
    packet.pts = None if item.pts is None else item.pts - shift
    packet.is_keyframe = item.keyframe
    return packet


def _why(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.replace("\n", " ")[:300]
