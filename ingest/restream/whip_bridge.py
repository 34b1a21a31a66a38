"""WHIP's stream for restream. RTMP and SRT destinations take H.264 with AAC; WHIP publishers send
Opus. A bridge per WHIP session pipes the frames the recording takes, as MPEG-TS, into one FFmpeg
that copies the picture and encodes the sound to AAC once for all destinations; what comes out is
demuxed and fed to the session's restream exactly like an encoder's stream.

The recorder's tap must never block, so frames wait in a bounded queue for the bridge's writer; when
FFmpeg falls behind, frames are dropped there (counted) rather than held.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import subprocess
import threading
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

import av
from av.container import InputContainer

from ingest.live.segment_writer import FrameMuxer, TrackKind
from shopcast.media.ffmpeg_runner import ffmpeg_exe

if TYPE_CHECKING:
    from ingest.live.node import LiveNode, LiveSession

log = logging.getLogger(__name__)

_QUEUE_FRAMES = 600  # a few seconds of picture and sound
_AAC_BITRATE = "128k"


def bridge_argv(ffmpeg: str) -> list[str]:
    """FFmpeg between a WHIP session and its destinations: H.264 copied, Opus encoded to AAC."""
    return [
        ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
        # a short probe, and every probed packet kept (+nobuffer would drop them: seconds of show)
        "-analyzeduration", "1000000", "-f", "mpegts", "-i", "pipe:0",
        "-map", "0:v:0", "-map", "0:a:0", "-c:v", "copy",
        "-c:a", "aac", "-b:a", _AAC_BITRATE, "-ar", "48000", "-ac", "2",
        "-f", "mpegts", "-flush_packets", "1", "pipe:1",
    ]  # fmt: skip


@dataclass(frozen=True)
class _Frame:
    kind: TrackKind
    at_s: float
    duration_s: float
    data: bytes
    keyframe: bool


class WhipBridge:
    def __init__(self, node: LiveNode, session: LiveSession) -> None:
        self.node = node
        self.session = session
        self.dropped = 0
        self._frames: queue.Queue[_Frame | None] = queue.Queue(_QUEUE_FRAMES)
        self._process = subprocess.Popen(
            bridge_argv(ffmpeg_exe()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._threads = [
            threading.Thread(target=self._write, name=f"whip-bridge-in-{session.id}", daemon=True),
            threading.Thread(target=self._read, name=f"whip-bridge-out-{session.id}", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def tap(self, kind: TrackKind, at_s: float, duration_s: float, data: bytes, keyframe: bool) -> None:
        """Called by the recorder, under its lock, for every frame it recorded."""
        try:
            self._frames.put_nowait(_Frame(kind, at_s, duration_s, data, keyframe))
        except queue.Full:
            self.dropped += 1

    def stop(self) -> None:
        """End the bridge: FFmpeg gets the end of its input, finishes, and the reader sees the end."""
        try:
            self._frames.put(None, timeout=5)
        except queue.Full:
            self._process.kill()
        for thread in self._threads:
            thread.join(10)
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()

    def _write(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            muxer = FrameMuxer(stdin, "h264", None)
            while (frame := self._frames.get()) is not None:
                try:
                    muxer.write(frame.kind, frame.at_s, frame.duration_s, frame.data, frame.keyframe)
                except ValueError as exc:
                    log.debug("WHIP bridge %s: dropped a frame: %s", self.session.id, exc)
            muxer.close()
            if self.dropped:
                log.info("WHIP bridge %s: %d frames dropped on the way in", self.session.id, self.dropped)
        except (OSError, av.FFmpegError) as exc:
            log.info("WHIP bridge %s: FFmpeg's input closed: %s", self.session.id, exc)
        finally:
            _close_quietly(stdin)

    def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            with _open_output(stdout) as container:
                restream = self.node.start_restream(self.session, list(container.streams))
                for packet in container.demux():
                    restream.feed(packet)
        except (OSError, av.FFmpegError) as exc:
            log.info("WHIP bridge %s: FFmpeg's output ended: %s", self.session.id, exc)


def _open_output(stdout: IO[bytes]) -> InputContainer:
    container = av.open(stdout, "r", format="mpegts", options={"analyzeduration": "1000000"})
    assert isinstance(container, InputContainer)
    return container


def _close_quietly(pipe: IO[bytes]) -> None:
    with contextlib.suppress(OSError):
        pipe.close()
