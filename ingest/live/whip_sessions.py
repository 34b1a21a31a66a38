"""This API process's WHIP sessions: one aiortc peer connection per publisher, recording as it goes.

A session lives on the node that answered its offer (WHIP's DELETE and PATCH come back to the same
resource). A publisher that drops without DELETE may reconnect with the same key within the grace
period and continue the same stream and recording; after that the recording is handed off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc import sdp as aiortc_sdp
from aiortc.exceptions import InvalidAccessError, InvalidStateError, OperationError

from ingest.live import service as live_service
from ingest.live import tap as live_tap
from ingest.live.clips import LiveView
from ingest.live.handoff import hand_off, recording_dir, recover_orphans
from ingest.live.segment_reader import next_sequence
from ingest.live.segment_writer import LiveRecorder, TrackKind, VideoCodec
from ingest.live.whip_offer import VIDEO_CODECS, InvalidOffer, Offer, UnsupportedOffer
from shopcast.db import transaction, utcnow
from shopcast.errors import Conflict, NotFound
from shopcast.ids import new_id
from shopcast.runtime import Runtime

log = logging.getLogger(__name__)

_HEALTH_EVERY_S = 2.0
# A failed hand-off (the store or the database was away) is tried again after this, doubling up to
# the maximum; the recording stays on disk meanwhile and the next start takes it up too.
_HAND_OFF_RETRY_S = 30.0
_HAND_OFF_RETRY_MAX_S = 600.0
QUIET_BEFORE_TAKEOVER_S = 3.0


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


@dataclass
class WhipSession:
    id: str
    stream_id: str
    stream_key: str
    pc: RTCPeerConnection
    recorder: LiveRecorder
    etag: str = field(default_factory=lambda: '"' + secrets.token_hex(8) + '"')
    ended: bool = False
    stopped: asyncio.Future[None] | None = None


@dataclass
class _Continuation:
    """Where a dropped publisher's recording stopped, for a reconnect within the grace period (or
    before a failed hand-off is tried again)."""

    end_s: float
    timer: asyncio.TimerHandle | None = None
    failures: int = 0  # hand-offs of this recording that failed


class LiveNode:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions: dict[str, WhipSession] = {}
        self._continuations: dict[str, _Continuation] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._health: asyncio.Task[None] | None = None
        settings = runtime.settings
        self.node = live_service.node_id(settings.live_dir)
        self.ice_servers = [url.strip() for url in settings.webrtc_ice_servers.split(",") if url.strip()]
        live_tap.install([host.strip() for host in settings.webrtc_hosts.split(",") if host.strip()])

    # --- WHIP ----------------------------------------------------------------------------------

    async def publish(self, key: str, offer: Offer) -> tuple[WhipSession, str]:
        """Answer a publisher's offer; raises the 401/403/409 of its key, 400/415 for an offer that
        cannot be answered. Whatever fails after the peer connection exists discards it (peer,
        recorder, frame sinks), so a failed publish leaves nothing behind."""
        await self._take_over_quiet(key)
        stream_id = await asyncio.to_thread(self._authorize, key)
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
            if not await asyncio.to_thread(self._claim, session):
                raise Conflict(
                    "someone else went live with this stream key a moment ago", code="already_live"
                )
        except BaseException:
            await self._abandon(session)
            raise
        self._go_live(session)
        return session, answer

    async def _take_over_quiet(self, key: str) -> None:
        """A publisher that comes back while its old session here has gone quiet (its network
        dropped, it restarted) takes over: the old session counts as dropped, and the new one
        continues the same stream and recording. Only a session still sending makes the key `409`."""
        for earlier in list(self.sessions.values()):
            if earlier.stream_key == key and earlier.recorder.silent_for_s() > QUIET_BEFORE_TAKEOVER_S:
                await self._dropped(earlier)

    def _go_live(self, session: WhipSession) -> None:
        continuation = self._continuations.pop(session.stream_id, None)
        if continuation is not None and continuation.timer is not None:
            continuation.timer.cancel()
        self.sessions[session.id] = session
        session.pc.on("connectionstatechange", lambda: self._connection_changed(session))
        self._ensure_health_loop()

    def end(self, session_id: str, key: str) -> None:
        """The publisher's DELETE, with the stream key it published with: the session stops and its
        recording is handed off, after the answer has gone (a publisher waits for nothing). Raises
        NotFound for a session this node does not hold, or whose key is another (a session's URL
        alone must never end it)."""
        session = self.session_for(session_id)
        if not secrets.compare_digest(key.encode(), session.stream_key.encode()):
            raise NotFound("no such WHIP session (it ended, or lives on another node)")
        self.sessions.pop(session_id, None)
        self._spawn(self._end(session))

    async def _end(self, session: WhipSession) -> None:
        await self._stop(session)
        await self._hand_off_or_retry(session.stream_id, session.id, session.recorder.end_s)

    def session_for(self, session_id: str) -> WhipSession:
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound("no such WHIP session (it ended, or lives on another node)")
        return session

    def live_view(self, stream_id: str) -> LiveView | None:
        """How far this node has recorded the stream, if it is recording it (or awaiting a reconnect)."""
        for session in self.sessions.values():
            if session.stream_id == stream_id:
                return LiveView(session.recorder.directory, session.recorder.end_s)
        continuation = self._continuations.get(stream_id)
        if continuation is not None:
            return LiveView(recording_dir(self.runtime, stream_id), continuation.end_s)
        return None

    async def shutdown(self) -> None:
        """The process is stopping: end every session and hand its recording off."""
        for session in list(self.sessions.values()):
            await self._stop(session)
            await self._hand_off(session.stream_id, session.id)  # if it fails, the next start retries
        for stream_id, continuation in list(self._continuations.items()):
            if continuation.timer is not None:
                continuation.timer.cancel()
            await self._hand_off(stream_id, None)
        self._continuations.clear()
        if self._health is not None:
            self._health.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task

    # --- inside ---------------------------------------------------------------------------------

    def _authorize(self, key: str) -> str:
        with transaction(self.runtime.sessions) as db:
            return live_service.stream_for_key(db, key, utcnow(), self.runtime.settings).id

    def _claim(self, session: WhipSession) -> bool:
        with transaction(self.runtime.sessions) as db:
            return live_service.claim(db, session.stream_id, session.id, self.node)

    def _release(self, session: WhipSession) -> bool:
        with transaction(self.runtime.sessions) as db:
            return live_service.release(db, session.stream_id, session.id)

    def _new_session(
        self, stream_id: str, key: str, pc: RTCPeerConnection, video_codec: VideoCodec | None
    ) -> WhipSession:
        settings = self.runtime.settings
        continuation = self._continuations.get(stream_id)
        loop = asyncio.get_running_loop()
        videos = [
            t.receiver for t in pc.getTransceivers() if t.kind == "video" and t.receiver.track is not None
        ]
        video_receiver = videos[0] if videos else None

        def ask_for_keyframe() -> None:
            if video_receiver is not None:
                live_tap.request_keyframe(video_receiver, loop)

        recorder = LiveRecorder(
            recording_dir(self.runtime, stream_id),
            video_codec,
            segment_s=settings.live_segment_s,
            sync_wait_s=settings.live_sync_wait_s,
            base_s=continuation.end_s + 0.1 if continuation else 0.0,
            first_sequence=next_sequence(recording_dir(self.runtime, stream_id)),
            request_keyframe=ask_for_keyframe,
        )
        return WhipSession(new_id(), stream_id, key, pc, recorder)

    def _attach(self, session: WhipSession) -> None:
        """Send each received track's frames to the session's recorder."""
        for transceiver in session.pc.getTransceivers():
            if transceiver.receiver.track is not None and transceiver.kind in ("audio", "video"):
                kind: TrackKind = "video" if transceiver.kind == "video" else "audio"
                live_tap.attach(transceiver.receiver, _TrackSink(session.recorder, kind))

    async def _stop(self, session: WhipSession) -> None:
        """Close the peer and the recording; every caller waits for the one stop that runs."""
        if session.stopped is None:
            session.stopped = asyncio.ensure_future(self._close(session))
        await session.stopped

    async def _close(self, session: WhipSession) -> None:
        session.ended = True
        self.sessions.pop(session.id, None)
        receivers = [t.receiver for t in session.pc.getTransceivers()]
        await session.pc.close()  # stops the receiver threads: no frame arrives after this
        for receiver in receivers:
            if receiver.track is not None:
                live_tap.detach(receiver)
        await asyncio.to_thread(session.recorder.close)

    async def _abandon(self, session: WhipSession) -> None:
        """A publish failed after its peer connection was made: close it all and, if the stream was
        claimed already, treat it as a drop so that its grace period and hand-off run."""
        try:
            await self._stop(session)
            if await asyncio.to_thread(self._release, session):
                self._await_reconnect(session.stream_id, session.recorder.end_s)
        except Exception:
            log.exception("live stream %s: cleaning up a failed publish failed", session.stream_id)

    def _connection_changed(self, session: WhipSession) -> None:
        if session.ended or session.pc.connectionState not in ("failed", "closed"):
            return
        log.info("live stream %s: publisher connection %s", session.stream_id, session.pc.connectionState)
        self._spawn(self._dropped(session))

    async def _dropped(self, session: WhipSession) -> None:
        if session.stopped is not None:
            return  # already ending (DELETE, or dropped once)
        await self._stop(session)
        await asyncio.to_thread(self._release, session)
        self._await_reconnect(session.stream_id, session.recorder.end_s)

    def _await_reconnect(self, stream_id: str, end_s: float) -> None:
        earlier = self._continuations.get(stream_id)  # a reconnect that failed: its grace starts anew
        if earlier is not None and earlier.timer is not None:
            earlier.timer.cancel()
        continuation = _Continuation(max(end_s, earlier.end_s if earlier else 0.0))
        self._continuations[stream_id] = continuation
        grace = self.runtime.settings.live_reconnect_grace_s
        continuation.timer = asyncio.get_running_loop().call_later(grace, self._grace_over, stream_id)

    def _grace_over(self, stream_id: str) -> None:
        continuation = self._continuations.pop(stream_id, None)
        if continuation is not None:
            work = self._hand_off_or_retry(stream_id, None, continuation.end_s, continuation.failures)
            self._spawn(work)

    async def _hand_off(self, stream_id: str, publisher: str | None) -> bool:
        """Whether the hand-off ran (or had nothing to do); a failure is logged, not raised."""
        try:
            await asyncio.to_thread(hand_off, self.runtime, stream_id, publisher)
        except Exception:
            log.exception("live stream %s: handing the recording off failed; it is kept to retry", stream_id)
            return False
        return True

    async def _hand_off_or_retry(
        self, stream_id: str, publisher: str | None, end_s: float, failures: int = 0
    ) -> None:
        """Hand off; after a failure the stream waits, as after a drop, for a reconnect (which
        continues the recording) or for the retry."""
        if await self._hand_off(stream_id, publisher):
            return
        continuation = _Continuation(end_s, failures=failures + 1)
        self._continuations[stream_id] = continuation
        delay = min(_HAND_OFF_RETRY_S * 2**failures, _HAND_OFF_RETRY_MAX_S)
        continuation.timer = asyncio.get_running_loop().call_later(delay, self._grace_over, stream_id)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ensure_health_loop(self) -> None:
        if self._health is None or self._health.done():
            self._health = asyncio.ensure_future(self._report_health())

    async def _report_health(self) -> None:
        while self.sessions:
            await asyncio.sleep(_HEALTH_EVERY_S)
            for session in list(self.sessions.values()):
                if session.recorder.silent_for_s() > self.runtime.settings.live_media_timeout_s:
                    log.info("live stream %s: no media for a while, the publisher is gone", session.stream_id)
                    self._spawn(self._dropped(session))
                    continue
                health: dict[str, float | int] = dict(session.recorder.health().to_json())
                health["packets_lost"] = await _packets_lost(session.pc)
                await asyncio.to_thread(self._store_health, session.stream_id, health)

    def _store_health(self, stream_id: str, health: dict[str, float | int]) -> None:
        with transaction(self.runtime.sessions) as db:
            live_service.record_health(db, stream_id, health)


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


async def start_live_node(runtime: Runtime) -> LiveNode:
    """This process's live ingest; recordings a killed predecessor left are handed off meanwhile."""
    node = LiveNode(runtime)
    node._spawn(asyncio.to_thread(recover_orphans, runtime))
    return node
