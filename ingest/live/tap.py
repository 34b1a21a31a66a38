"""Where live recording meets aiortc: encoded frames go to a sink instead of a decoder.

aiortc 1.16 hands every reassembled frame to a per-track thread running
`aiortc.rtcrtpreceiver.decoder_worker`, which decodes it whether or not anyone reads the track. For a
track with a sink attached, that worker is replaced by one that passes the still-encoded frame on, so
recording costs no decode and no encode. Two receiver methods are wrapped as well: RTCP sender
reports (the sink needs them to align audio and video) and picture-loss requests (aiortc lost part of
a frame, so the frames that follow are broken until the next keyframe). Other tracks in the process
keep aiortc's own behaviour. This relies on aiortc internals: the version is pinned in pyproject.toml.

Also: aioice leaves loopback out of the host candidates it gathers, so the addresses WebRTC gathers
and advertises can be set (`SHOPCAST_WEBRTC_HOSTS`; tests use 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import random
import threading
import time
from typing import Any, Protocol

import aioice.ice
import aioice.stun
import aiortc.rtcrtpreceiver as receiver_module
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import AnyRtcpPacket, RtcpSrPacket

_NTP_FRACTION = float(1 << 32)
log = logging.getLogger(__name__)


class FrameSink(Protocol):
    """Receives one track's encoded frames, on that track's receiver thread."""

    def frame(self, ticks: int, data: bytes) -> None: ...

    def sender_report(self, ntp_s: float, ticks: int) -> None: ...

    def picture_lost(self) -> None: ...


_sinks: dict[int, FrameSink] = {}
_sinks_lock = threading.Lock()
_installed = False
_original_worker = receiver_module.decoder_worker
_original_rtcp = RTCRtpReceiver._handle_rtcp_packet
_original_pli = RTCRtpReceiver._send_rtcp_pli


def attach(receiver: RTCRtpReceiver, sink: FrameSink) -> None:
    """Send `receiver`'s frames to `sink`; call before the receiver starts (on the `track` event)."""
    with _sinks_lock:
        _sinks[id(receiver.track._queue)] = sink  # type: ignore[attr-defined]


def detach(receiver: RTCRtpReceiver) -> None:
    with _sinks_lock:
        _sinks.pop(id(receiver.track._queue), None)  # type: ignore[attr-defined]
        _early_reports.pop(id(receiver.track._queue), None)  # type: ignore[attr-defined]


def _sink_of(receiver: RTCRtpReceiver) -> FrameSink | None:
    track = receiver.track
    if track is None:
        return None
    with _sinks_lock:
        return _sinks.get(id(track._queue))  # type: ignore[attr-defined]


def _recording_worker(
    loop: asyncio.AbstractEventLoop,
    input_q: queue.Queue[Any],
    output_q: asyncio.Queue[Any],
    decode_error: threading.Event,
) -> None:
    with _sinks_lock:
        sink = _sinks.get(id(output_q))
    if sink is None:
        _original_worker(loop, input_q, output_q, decode_error)
        return
    broken = False
    while True:
        task = input_q.get()
        if task is None:
            asyncio.run_coroutine_threadsafe(output_q.put(None), loop)  # ends the track, as aiortc does
            return
        _codec, encoded_frame = task
        if broken:
            continue  # keep draining aiortc's queue, which would otherwise grow without bound
        try:
            sink.frame(encoded_frame.timestamp, encoded_frame.data)
        except Exception:
            log.exception("live recording: a track's recording failed; its frames are dropped from now")
            broken = True
        with _sinks_lock:
            early = _early_reports.pop(id(output_q), None)
        if early is not None:
            _deliver(*early)


# Sender reports that came before the track's first frame (FFmpeg sends its first one then): their
# RTP time can be placed only once the first frame has fixed the track's origin.
_early_reports: dict[int, tuple[RTCRtpReceiver, FrameSink, int, int]] = {}


def _deliver(receiver: RTCRtpReceiver, sink: FrameSink, ntp: int, rtp_timestamp: int) -> bool:
    origin = receiver._RTCRtpReceiver__timestamp_mapper._origin  # type: ignore[attr-defined]
    if origin is None:
        return False
    ticks = (rtp_timestamp - origin) & 0xFFFFFFFF
    if ticks >= 1 << 31:
        ticks -= 1 << 32
    sink.sender_report((ntp >> 32) + (ntp & 0xFFFFFFFF) / _NTP_FRACTION, ticks)
    return True


async def _handle_rtcp_packet(self: RTCRtpReceiver, packet: AnyRtcpPacket) -> None:
    if isinstance(packet, RtcpSrPacket):
        sink = _sink_of(self)
        info = packet.sender_info
        if sink is not None and not _deliver(self, sink, info.ntp_timestamp, info.rtp_timestamp):
            with _sinks_lock:
                _early_reports[id(self.track._queue)] = (  # type: ignore[attr-defined]
                    self,
                    sink,
                    info.ntp_timestamp,
                    info.rtp_timestamp,
                )
    await _original_rtcp(self, packet)


async def _send_rtcp_pli(self: RTCRtpReceiver, media_ssrc: int) -> None:
    sink = _sink_of(self)
    if sink is not None:
        sink.picture_lost()
    await _original_pli(self, media_ssrc)


def request_keyframe(receiver: RTCRtpReceiver, loop: asyncio.AbstractEventLoop) -> None:
    """Ask the publisher for a keyframe (RTCP PLI); callable from any thread."""
    sources = receiver.getSynchronizationSources()
    if not sources:
        return
    asyncio.run_coroutine_threadsafe(receiver._send_rtcp_pli(sources[0].source), loop)


# RFC 7675 consent freshness: aioice asks the remote peer every ~5 s and closes the connection after
# 6 unanswered checks. FFmpeg's whip muxer answers none, so every FFmpeg publisher was cut off after
# about 30 s. A peer that keeps sending us media on the pair has plainly not withdrawn consent, so
# a check goes unanswered without counting against it while media has arrived since the last one.
_original_data_received = aioice.ice.Connection.data_received


def _data_received(self: aioice.ice.Connection, data: bytes, component: int) -> None:
    self._shopcast_media_at = time.monotonic()  # type: ignore[attr-defined]
    _original_data_received(self, data, component)


async def _query_consent(self: aioice.ice.Connection) -> None:
    assert self.remote_password is not None
    failures = 0
    while True:
        jitter = 0.8 + 0.4 * random.random()  # noqa: S311 - spreading checks, not a secret
        await asyncio.sleep(aioice.ice.CONSENT_INTERVAL * jitter)
        asked_at = time.monotonic()
        for pair in self._nominated.values():
            request = self.build_request(pair, nominate=False)
            try:
                await pair.protocol.request(
                    request, pair.remote_addr, integrity_key=self.remote_password.encode(), retransmissions=0
                )
                failures = 0
            except aioice.stun.TransactionError:
                media_at = getattr(self, "_shopcast_media_at", 0.0)
                recent = asked_at - aioice.ice.CONSENT_INTERVAL * 2
                failures = 0 if media_at >= recent else failures + 1
            if failures >= aioice.ice.CONSENT_FAILURES:
                self._query_consent_task = None
                await self.close()
                return


def install(hosts: list[str]) -> None:
    """Patch aiortc once per process; with `hosts`, gather and advertise only those addresses."""
    global _installed
    if hosts:
        chosen = list(hosts)

        def configured(use_ipv4: bool, use_ipv6: bool) -> list[str]:
            return [host for host in chosen if (":" in host and use_ipv6) or (":" not in host and use_ipv4)]

        aioice.ice.get_host_addresses = configured
    if _installed:
        return
    receiver_module.decoder_worker = _recording_worker
    aioice.ice.Connection.data_received = _data_received  # type: ignore[method-assign]
    aioice.ice.Connection.query_consent = _query_consent  # type: ignore[method-assign]
    RTCRtpReceiver._handle_rtcp_packet = _handle_rtcp_packet  # type: ignore[method-assign]
    RTCRtpReceiver._send_rtcp_pli = _send_rtcp_pli  # type: ignore[method-assign]
    _installed = True
