"""A live session whose media a thread of this process reads from a connection, demuxes and records:
RTMP pulled from nginx, SRT received through libsrt. Nothing is decoded; packets go to a
`PacketRecorder` as they arrive.

The reading thread ends when its connection does (the publisher left, or the session was
disconnected); a connection that ends on its own is a drop, and the node waits the grace period for
the publisher to come back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

import av
from av.container import InputContainer

from ingest.live.node import LiveNode, LiveSession
from ingest.live.packet_recorder import PacketRecorder

log = logging.getLogger(__name__)

_JOIN_S = 10.0


@dataclass(eq=False)
class PulledSession(LiveSession):
    """Subclasses say how to connect (`open_input`) and how to make a blocked read return."""

    stopping: threading.Event = field(default_factory=threading.Event, kw_only=True, repr=False)
    opened: threading.Event = field(default_factory=threading.Event, kw_only=True, repr=False)
    thread: threading.Thread | None = field(default=None, kw_only=True, repr=False)
    packets: int = field(default=0, kw_only=True)

    def open_input(self) -> InputContainer:
        """Connect and return the demuxer, blocking until the stream's first packets arrive."""
        raise NotImplementedError

    def interrupt(self) -> None:
        """Make the reading thread's blocked read return (drop its connection); any thread."""
        raise NotImplementedError

    def start(self, node: LiveNode) -> None:
        """Read on a thread of its own; a connection that ends by itself is reported to `node`."""
        self.thread = threading.Thread(target=self._run, args=(node,), name=f"live-{self.ingest}-{self.id}")
        self.thread.daemon = True
        self.thread.start()

    async def disconnect(self) -> None:
        self.stopping.set()
        await asyncio.to_thread(self._interrupt_quietly)
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join, _JOIN_S)
            if self.thread.is_alive():
                log.warning("live stream %s: the %s reader did not stop", self.stream_id, self.ingest)

    def _interrupt_quietly(self) -> None:
        try:
            self.interrupt()
        except Exception:
            log.exception("live stream %s: interrupting the %s reader failed", self.stream_id, self.ingest)

    def _run(self, node: LiveNode) -> None:
        recorder = self.recorder
        assert isinstance(recorder, PacketRecorder)
        try:
            with self.open_input() as container:
                self.opened.set()
                recorder.add_tracks(list(container.streams))
                restream = node.start_restream(self, list(container.streams))
                for packet in container.demux():
                    if self.stopping.is_set():
                        break
                    restream.feed(packet)  # first: the recorder re-times the packet it takes
                    recorder.write(packet)
                    self.packets += 1
        except (av.FFmpegError, OSError) as exc:
            if not self.stopping.is_set():
                log.info("live stream %s: the %s connection ended: %s", self.stream_id, self.ingest, exc)
        except Exception:
            log.exception("live stream %s: reading the %s stream failed", self.stream_id, self.ingest)
        if not self.stopping.is_set():
            node.dropped_soon(self)
