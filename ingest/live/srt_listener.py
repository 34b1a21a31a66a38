"""SRT ingest: one listening port for every stream; the caller's stream id names the stream key.

libsrt asks this process about each caller before its handshake completes (the listen callback): an
unknown key, a key outside its booking window or a key already live is rejected there, with SRT's
HTTP-like reason (1401, 1403, 1409), so the encoder sees the refusal at connect time. An accepted
caller must encrypt with its stream's passphrase (`shopcast.live_urls.srt_passphrase`). Its MPEG-TS is
demuxed as it arrives and recorded without decoding, like RTMP's.

The callback runs on libsrt's receiving thread for the port, so it does no more than the key's check
(a read of the database, or the creation of a booking's stream on its first publish); the claim
happens once the caller is accepted.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import threading
from dataclasses import dataclass, field

import av
from av.container import InputContainer

from ingest.live import libsrt
from ingest.live import service as live_service
from ingest.live.node import QUIET_BEFORE_TAKEOVER_S, Ingest, LiveNode
from ingest.live.packet_recorder import recorder_at
from ingest.live.pulled_session import PulledSession
from shopcast.db import transaction
from shopcast.errors import Conflict, ShopcastError
from shopcast.ids import new_id
from shopcast.live_urls import srt_passphrase
from shopcast.settings import Settings

log = logging.getLogger(__name__)

_RECEIVE_TIMEOUT_MS = 500


def key_of(stream_id: str) -> str | None:
    """The stream key in a caller's stream id: the id itself, or the `r` of SRT's access-control
    syntax (`#!::r=KEY,m=publish`); None when it asks for something other than publishing."""
    if not stream_id.startswith("#!::"):
        return stream_id
    fields = dict(part.split("=", 1) for part in stream_id[4:].split(",") if "=" in part)
    if fields.get("m", "publish") != "publish":
        return None
    return fields.get("r")


class _SocketReader:
    """The accepted socket as a file for the MPEG-TS demuxer, read one SRT message at a time."""

    def __init__(self, sock: int, stopping: threading.Event) -> None:
        self.sock = sock
        self.stopping = stopping
        self.buffer = ctypes.create_string_buffer(libsrt.LIVE_PAYLOAD_BYTES)
        self.pending = b""

    def read(self, size: int) -> bytes:
        while not self.pending and not self.stopping.is_set():
            try:
                got = libsrt.receive(self.sock, self.buffer)
            except libsrt.SrtError:
                return b""  # the caller left, or the socket was closed to stop us
            self.pending = self.buffer.raw[:got]
        data, self.pending = self.pending[:size], self.pending[size:]
        return data


@dataclass(eq=False)
class SrtSession(PulledSession):
    sock: int = field(kw_only=True)
    ingest: Ingest = field(default="srt", init=False)

    def open_input(self) -> InputContainer:
        reader = _SocketReader(self.sock, self.stopping)
        options = {"analyzeduration": "1000000", "fpsprobesize": "0"}
        container = av.open(reader, "r", format="mpegts", options=options)
        assert isinstance(container, InputContainer)
        return container

    def interrupt(self) -> None:
        libsrt.close(self.sock)

    async def transport_health(self) -> dict[str, float | int]:
        stats = libsrt.stats(self.sock)
        if stats is None:
            return {}
        return {
            "packets_lost": stats.packets_lost,
            "packets_dropped": stats.packets_dropped,
            "packets_retransmitted": stats.retransmitted,
            "rtt_ms": round(stats.rtt_ms, 1),
        }


class SrtIngest:
    """The listening socket, its callback and its accepting thread."""

    def __init__(self, node: LiveNode) -> None:
        self.node = node
        self.settings: Settings = node.runtime.settings
        self.port = 0
        self._listener: int | None = None
        self._callback = libsrt.ListenCallback(self._on_caller)  # kept: libsrt holds only the pointer
        self._accepted: dict[int, tuple[str, str]] = {}  # socket -> (stream key, stream id)
        self._lock = threading.Lock()

    def start(self) -> None:
        """Listen on the first free port of `srt_ports`; raises OSError when none is free."""
        error: OSError | None = None
        for port in self.settings.srt_port_range:
            try:
                self._listener = libsrt.listen(self.settings.live_listen_host, port, self._callback)
            except libsrt.SrtError as exc:
                error = exc
                continue
            self.port = port
            break
        if self._listener is None:
            raise error or OSError("no SRT port configured")
        threading.Thread(target=self._accept_loop, name="srt-accept", daemon=True).start()
        log.info("SRT ingest listening on %s:%d", self.settings.live_listen_host, self.port)

    def stop(self) -> None:
        if self._listener is not None:
            libsrt.close(self._listener)
            self._listener = None

    def _on_caller(
        self, _opaque: object, sock: int, _version: int, _peer: object, raw_id: bytes | None
    ) -> int:
        """libsrt's listen callback: 0 lets the handshake go on, -1 rejects it (never raises)."""
        try:
            key = key_of((raw_id or b"").decode("utf-8", "replace"))
            if not key:
                libsrt.reject(sock, 405 if key is None else 401)
                return -1
            stream_id = self._publishable(key)
            libsrt.set_string(sock, libsrt.SRTO_PASSPHRASE, srt_passphrase(self.settings, key))
        except ShopcastError as refused:
            libsrt.reject(sock, refused.status)
            self._note_refusal(key or "", refused)
            return -1
        except Exception:
            log.exception("SRT: checking a caller failed")
            libsrt.reject(sock, 500)
            return -1
        with self._lock:
            self._accepted[sock] = (key, stream_id)
        return 0

    def _publishable(self, key: str) -> str:
        """The stream `key` may publish to; a publisher coming back while its old session here has
        gone quiet is let in, and takes that session over once accepted (as WHIP's does)."""
        try:
            return self.node.authorize(key)
        except Conflict:
            quiet = [
                s for s in self.node.sessions_of(key) if s.recorder.silent_for_s() > QUIET_BEFORE_TAKEOVER_S
            ]
            if not quiet:
                raise
            return quiet[0].stream_id

    def _accept_loop(self) -> None:
        while self._listener is not None:
            try:
                sock = libsrt.accept(self._listener)
            except libsrt.SrtError:
                return  # the listener was closed
            with self._lock:
                caller = self._accepted.pop(sock, None)
            if caller is None or self.node.loop is None:
                libsrt.close(sock)
                continue
            asyncio.run_coroutine_threadsafe(self._go_live(sock, *caller), self.node.loop)

    async def _go_live(self, sock: int, key: str, stream_id: str) -> None:
        libsrt.set_int(sock, libsrt.SRTO_RCVTIMEO, _RECEIVE_TIMEOUT_MS)
        recorder = recorder_at(self.node.recording_place(stream_id), self.settings.live_segment_s)
        session = SrtSession(new_id(), stream_id, key, recorder, sock=sock)
        try:
            await self.node.take_over_quiet(key)
            await self.node.go_live(session)
        except ShopcastError as refused:
            libsrt.close(sock)
            await asyncio.to_thread(self._note_refusal, key, refused)
            return
        session.start(self.node)

    def _note_refusal(self, key: str, refused: ShopcastError) -> None:
        log.info("SRT caller of key %s... refused: %s", key[:6], refused.code)
        try:
            with transaction(self.node.runtime.sessions) as db:
                live_service.record_refusal(db, key, "srt", refused)
        except Exception:
            log.exception("SRT: noting a refusal failed")
