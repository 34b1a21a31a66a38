"""WHIP sessions: one aiortc peer connection per publisher, recording as it goes.

A session lives on the node that answered its offer (WHIP's DELETE comes back to the same resource);
the node (`ingest/live/node.py`) keeps it, with its reconnect grace and hand-off, like the sessions of
the other protocols.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass, field

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc import sdp as aiortc_sdp
from aiortc.exceptions import InvalidAccessError, InvalidStateError, OperationError

from ingest.live import tap as live_tap
from ingest.live.node import Ingest, LiveNode, LiveSession
from ingest.live.segment_writer import LiveRecorder, TrackKind, VideoCodec
from ingest.live.whip_offer import VIDEO_CODECS, InvalidOffer, Offer, UnsupportedOffer
from ingest.restream.service import refuse_all
from ingest.restream.whip_bridge import WhipBridge
from shopcast.db import transaction
from shopcast.errors import NotFound
from shopcast.ids import new_id

log = logging.getLogger(__name__)


class _TrackSink:
    """Feeds one track's encoded frames into the session's recorder."""

    def __init__(self, recorder: LiveRecorder, kind: TrackKind) -> None:
        self.recorder = recorder
        self.kind: TrackKind = kind

    def frame(self, ticks: int, data: bytes) -> None:
        self.recorder.write(self.kind, ticks, data)

    def sender_report(self, ntp_s: float, ticks: int) -> None:
        self.recorder.sender_report(self.kind, ntp_s, ticks)

    def picture_lost(self) -> None:
        if self.kind == "video":
            self.recorder.frames_lost()


@dataclass(eq=False)
class WhipSession(LiveSession):
    pc: RTCPeerConnection = field(kw_only=True, repr=False)
    etag: str = field(default_factory=lambda: '"' + secrets.token_hex(8) + '"', kw_only=True)
    ingest: Ingest = field(default="whip", init=False)
    bridge: WhipBridge | None = field(default=None, kw_only=True, repr=False)

    async def disconnect(self) -> None:
        receivers = [t.receiver for t in self.pc.getTransceivers()]
        await self.pc.close()  # stops the receiver threads: no frame arrives after this
        for receiver in receivers:
            if receiver.track is not None:
                live_tap.detach(receiver)
        if self.bridge is not None:
            await asyncio.to_thread(self.bridge.stop)

    def begin_restream(self, node: LiveNode) -> None:
        recorder = self.recorder
        assert isinstance(recorder, LiveRecorder)
        if self.bridge is not None or self.ended:
            return
        if recorder.video_codec != "h264":
            with transaction(node.runtime.sessions) as db:
                refuse_all(
                    db, self.stream_id, "RTMP and SRT carry H.264: publish H.264 over WHIP to restream"
                )
            return
        self.bridge = WhipBridge(node, self)
        recorder.tap = self.bridge.tap

    async def transport_health(self) -> dict[str, float | int]:
        return {"packets_lost": await _packets_lost(self.pc)}


class WhipIngest:
    """WHIP's side of the node: answer offers, end sessions on DELETE."""

    def __init__(self, node: LiveNode) -> None:
        self.node = node
        settings = node.runtime.settings
        self.ice_servers = [url.strip() for url in settings.webrtc_ice_servers.split(",") if url.strip()]
        live_tap.install([host.strip() for host in settings.webrtc_hosts.split(",") if host.strip()])

    async def publish(self, key: str, offer: Offer) -> tuple[WhipSession, str]:
        """Answer a publisher's offer; raises the 401/403/409 of its key, 400/415 for an offer that
        cannot be answered. Whatever fails after the peer connection exists discards it (peer,
        recorder, frame sinks), so a failed publish leaves nothing behind."""
        await self.node.take_over_quiet(key)
        stream_id = await asyncio.to_thread(self.node.authorize, key)
        pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[RTCIceServer(urls=url) for url in self.ice_servers])
        )
        try:
            answer = await _answer(pc, offer)
            # No await from here until the sinks are attached: aiortc starts the receiver threads
            # only once ICE connects, which needs this task to yield.
            session = self._new_session(stream_id, key, pc, _negotiated_video(answer))
        except BaseException:
            await pc.close()
            raise
        try:
            self._attach(session)
            await self.node.go_live(session)
        except BaseException:
            await self.node.abandon(session)
            raise
        session.pc.on("connectionstatechange", lambda: self._connection_changed(session))
        await asyncio.to_thread(self.node.follow_restream, session)
        return session, answer

    def end(self, session_id: str, key: str) -> None:
        """The publisher's DELETE, with the stream key it published with: the session stops and its
        recording is handed off, after the answer has gone (a publisher waits for nothing). Raises
        NotFound for a session this node does not hold, or whose key is another (a session's URL
        alone must never end it)."""
        session = self.session_for(session_id)
        if not secrets.compare_digest(key.encode(), session.stream_key.encode()):
            raise NotFound("no such WHIP session (it ended, or lives on another node)")
        self.node.sessions.pop(session_id, None)
        self.node.spawn(self.node.end(session))

    def session_for(self, session_id: str) -> WhipSession:
        session = self.node.sessions.get(session_id)
        if not isinstance(session, WhipSession):
            raise NotFound("no such WHIP session (it ended, or lives on another node)")
        return session

    def _new_session(
        self, stream_id: str, key: str, pc: RTCPeerConnection, video_codec: VideoCodec | None
    ) -> WhipSession:
        settings = self.node.runtime.settings
        place = self.node.recording_place(stream_id)
        loop = asyncio.get_running_loop()
        videos = [
            t.receiver for t in pc.getTransceivers() if t.kind == "video" and t.receiver.track is not None
        ]
        video_receiver = videos[0] if videos else None

        def ask_for_keyframe() -> None:
            if video_receiver is not None:
                live_tap.request_keyframe(video_receiver, loop)

        recorder = LiveRecorder(
            place.directory,
            video_codec,
            segment_s=settings.live_segment_s,
            sync_wait_s=settings.live_sync_wait_s,
            base_s=place.base_s,
            first_sequence=place.first_sequence,
            request_keyframe=ask_for_keyframe,
        )
        return WhipSession(new_id(), stream_id, key, recorder, pc=pc)

    def _attach(self, session: WhipSession) -> None:
        """Send each received track's frames to the session's recorder."""
        assert isinstance(session.recorder, LiveRecorder)
        for transceiver in session.pc.getTransceivers():
            if transceiver.receiver.track is not None and transceiver.kind in ("audio", "video"):
                kind: TrackKind = "video" if transceiver.kind == "video" else "audio"
                live_tap.attach(transceiver.receiver, _TrackSink(session.recorder, kind))

    def _connection_changed(self, session: WhipSession) -> None:
        if session.ended or session.pc.connectionState not in ("failed", "closed"):
            return
        log.info("live stream %s: publisher connection %s", session.stream_id, session.pc.connectionState)
        self.node.spawn(self.node.dropped(session))


async def _packets_lost(pc: RTCPeerConnection) -> int:
    lost = 0
    for transceiver in pc.getTransceivers():
        with contextlib.suppress(Exception):
            stats = await transceiver.receiver.getStats()
            lost += sum(getattr(s, "packetsLost", 0) or 0 for s in stats.values() if s.type == "inbound-rtp")
    return lost


async def _answer(pc: RTCPeerConnection, offer: Offer) -> str:
    """The SDP answer to `offer`; raises 415 for no codec in common, 400 for an unanswerable offer."""
    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
    except OperationError as exc:  # no codec in common, e.g. H.264 High rather than baseline
        raise UnsupportedOffer(
            f"no codec in common: send H.264 constrained baseline or VP8 with Opus ({exc})",
        ) from exc
    except (ValueError, InvalidStateError, InvalidAccessError) as exc:
        raise InvalidOffer(f"the offer cannot be answered: {exc}", code="unanswerable_offer") from exc
    return str(pc.localDescription.sdp)


def _negotiated_video(answer: str) -> VideoCodec | None:
    for media in aiortc_sdp.SessionDescription.parse(answer).media:
        if media.kind == "video":
            for codec in media.rtp.codecs:
                if codec.name.lower() in VIDEO_CODECS:
                    return VIDEO_CODECS[codec.name.lower()]
    return None
