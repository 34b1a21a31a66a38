"""This API process's live sessions, whatever the protocol: who publishes, the reconnect grace, the
hand-off of each recording to an asset, and the health that PDs and /metrics see.

A session lives on the node that accepted its publisher (WHIP's offer, RTMP's `on_publish`
callback, an SRT connection). A publisher that drops may come back with the same key within the grace
period and continue the same stream and recording; after that the recording is handed off. The
protocols differ only in how a session is connected and disconnected (`LiveSession.disconnect`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from av.stream import Stream

from ingest.live import service as live_service
from ingest.live.captions import LiveCaptions
from ingest.live.clips import LiveView
from ingest.live.handoff import hand_off, recording_dir, recover_orphans
from ingest.live.recording_index import RecordingPlace, StreamHealth
from ingest.live.segment_reader import next_sequence
from ingest.restream import service as restream_service
from ingest.restream.fanout import Restream
from shopcast.db import transaction, utcnow
from shopcast.errors import Conflict
from shopcast.runtime import Runtime

log = logging.getLogger(__name__)

Ingest = Literal["whip", "rtmp", "srt"]
_HEALTH_EVERY_S = 2.0
# A failed hand-off (the store or the database was away) is tried again after this, doubling up to
# the maximum; the recording stays on disk meanwhile and the next start takes it up too.
HAND_OFF_RETRY_S = 30.0
_HAND_OFF_RETRY_MAX_S = 600.0
QUIET_BEFORE_TAKEOVER_S = 3.0


class Recorder(Protocol):
    """What the node needs of a recording, whichever recorder writes it."""

    directory: Path
    end_s: float

    def silent_for_s(self) -> float: ...

    def health(self) -> StreamHealth: ...

    def close(self) -> float: ...


@dataclass(eq=False)
class LiveSession:
    """One publisher's connection. Subclasses say how it is disconnected and what its transport
    adds to the health figures."""

    id: str
    stream_id: str
    stream_key: str
    recorder: Recorder
    ended: bool = False
    stopped: asyncio.Future[None] | None = field(default=None, repr=False)
    # its pushes to restream destinations, once the session knows its tracks
    restream: Restream | None = field(default=None, repr=False)

    ingest: Ingest = field(default="whip", init=False)

    async def disconnect(self) -> None:
        """Stop the transport: once this returns, nothing more reaches the recorder."""

    async def transport_health(self) -> dict[str, float | int]:
        return {}

    def begin_restream(self, node: LiveNode) -> None:
        """Start pushing to the stream's destinations, for sessions that do not do so by themselves
        as they open (WHIP's, which need a bridge to AAC); blocking."""


@dataclass
class Continuation:
    """Where a dropped publisher's recording stopped, for a reconnect within the grace period (or
    before a failed hand-off is tried again)."""

    end_s: float
    timer: asyncio.TimerHandle | None = None
    failures: int = 0  # hand-offs of this recording that failed


class LiveNode:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.sessions: dict[str, LiveSession] = {}
        self._continuations: dict[str, Continuation] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._health: asyncio.Task[None] | None = None
        self.node = live_service.node_id(runtime.settings.live_dir)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.captions = LiveCaptions(runtime)

    # --- a publisher arrives ---------------------------------------------------------------------

    def authorize(self, key: str) -> str:
        """The stream `key` may publish to now; raises its 401/403/409 (blocking: run in a thread)."""
        with transaction(self.runtime.sessions) as db:
            return live_service.stream_for_key(db, key, utcnow(), self.runtime.settings).id

    async def take_over_quiet(self, key: str) -> None:
        """A publisher that comes back while its old session here has gone quiet (its network
        dropped, it restarted) takes over: the old session counts as dropped, and the new one
        continues the same stream and recording. Only a session still sending makes the key `409`."""
        for earlier in list(self.sessions.values()):
            if earlier.stream_key == key and earlier.recorder.silent_for_s() > QUIET_BEFORE_TAKEOVER_S:
                await self.dropped(earlier)

    def recording_place(self, stream_id: str) -> RecordingPlace:
        directory = recording_dir(self.runtime, stream_id)
        continuation = self._continuations.get(stream_id)
        base_s = continuation.end_s + 0.1 if continuation else 0.0
        return RecordingPlace(directory, next_sequence(directory), base_s)

    async def go_live(self, session: LiveSession) -> None:
        """Claim the stream for `session` and keep it here; Conflict if another publisher got there
        first, after which the caller discards the session (`abandon`)."""
        if not await asyncio.to_thread(self._claim, session):
            raise Conflict("someone else went live with this stream key a moment ago", code="already_live")
        continuation = self._continuations.pop(session.stream_id, None)
        if continuation is not None and continuation.timer is not None:
            continuation.timer.cancel()
        self.sessions[session.id] = session
        self._ensure_health_loop()
        await asyncio.to_thread(self.captions.ensure, session.stream_id, session.recorder.directory)

    async def abandon(self, session: LiveSession) -> None:
        """A publish failed after its session was made: close it all and, if the stream was claimed
        already, treat it as a drop so that its grace period and hand-off run."""
        try:
            await self._stop(session)
            if await asyncio.to_thread(self._release, session):
                self._await_reconnect(session.stream_id, session.recorder.end_s)
        except Exception:
            log.exception("live stream %s: cleaning up a failed publish failed", session.stream_id)

    # --- a publisher leaves ----------------------------------------------------------------------

    async def end(self, session: LiveSession) -> None:
        """The publisher said goodbye: stop, and hand the recording off now."""
        self.sessions.pop(session.id, None)
        await self._stop(session)
        await self._hand_off_or_retry(session.stream_id, session.id, session.recorder.end_s)

    async def dropped(self, session: LiveSession) -> None:
        """The publisher went away without a goodbye: stop, and wait the grace for it to return."""
        if session.stopped is not None:
            return  # already ending (a goodbye, or dropped once)
        await self._stop(session)
        await asyncio.to_thread(self._release, session)
        self._await_reconnect(session.stream_id, session.recorder.end_s)

    def dropped_soon(self, session: LiveSession) -> None:
        """`dropped`, from any thread (a reader thread whose connection ended)."""
        if self.loop is not None and not self.loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._spawn_dropped(session), self.loop)

    async def _spawn_dropped(self, session: LiveSession) -> None:
        self.spawn(self.dropped(session))

    def live_view(self, stream_id: str) -> LiveView | None:
        """How far this node has recorded the stream, if it is recording it (or awaiting a reconnect)."""
        for session in self.sessions.values():
            if session.stream_id == stream_id:
                return LiveView(session.recorder.directory, session.recorder.end_s)
        continuation = self._continuations.get(stream_id)
        if continuation is not None:
            return LiveView(recording_dir(self.runtime, stream_id), continuation.end_s)
        return None

    def start_restream(self, session: LiveSession, tracks: list[Stream]) -> Restream:
        """The session's pushes, started for its enabled destinations (blocking: the reader's thread)."""
        restream = Restream(self.runtime, session.stream_id, tracks)
        session.restream = restream
        restream.reconcile()
        return restream

    def nudge_restream(self, stream_id: str) -> None:
        """The stream's destinations changed: follow now if a session here has it (blocking: call it
        off the event loop)."""
        for session in list(self.sessions.values()):
            if session.stream_id == stream_id:
                self.follow_restream(session)

    def follow_restream(self, session: LiveSession) -> None:
        """Reconcile the session's pushes, or begin them if it has none and should (blocking)."""
        if session.restream is not None:
            session.restream.reconcile()
        elif self._wants_restream(session.stream_id):
            session.begin_restream(self)

    def _wants_restream(self, stream_id: str) -> bool:
        with transaction(self.runtime.sessions) as db:
            return restream_service.has_enabled(db, stream_id)

    def sessions_of(self, key: str) -> list[LiveSession]:
        return [session for session in self.sessions.values() if session.stream_key == key]

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

    def _claim(self, session: LiveSession) -> bool:
        with transaction(self.runtime.sessions) as db:
            return live_service.claim(db, session.stream_id, session.id, self.node, session.ingest)

    def _release(self, session: LiveSession) -> bool:
        with transaction(self.runtime.sessions) as db:
            return live_service.release(db, session.stream_id, session.id)

    async def _stop(self, session: LiveSession) -> None:
        """Disconnect and close the recording; every caller waits for the one stop that runs."""
        if session.stopped is None:
            session.stopped = asyncio.ensure_future(self._close(session))
        await session.stopped

    async def _close(self, session: LiveSession) -> None:
        session.ended = True
        self.sessions.pop(session.id, None)
        try:
            await session.disconnect()
        finally:
            await asyncio.to_thread(session.recorder.close)
            if session.restream is not None:
                await asyncio.to_thread(session.restream.stop)

    def _await_reconnect(self, stream_id: str, end_s: float) -> None:
        earlier = self._continuations.get(stream_id)  # a reconnect that failed: its grace starts anew
        if earlier is not None and earlier.timer is not None:
            earlier.timer.cancel()
        continuation = Continuation(max(end_s, earlier.end_s if earlier else 0.0))
        self._continuations[stream_id] = continuation
        grace = self.runtime.settings.live_reconnect_grace_s
        continuation.timer = asyncio.get_running_loop().call_later(grace, self._grace_over, stream_id)

    def _grace_over(self, stream_id: str) -> None:
        continuation = self._continuations.pop(stream_id, None)
        if continuation is not None:
            work = self._hand_off_or_retry(stream_id, None, continuation.end_s, continuation.failures)
            self.spawn(work)

    async def _hand_off(self, stream_id: str, publisher: str | None) -> bool:
        """Whether the hand-off ran (or had nothing to do); a failure is logged, not raised."""
        try:
            await asyncio.to_thread(self.captions.finish, stream_id)
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
        continuation = Continuation(end_s, failures=failures + 1)
        self._continuations[stream_id] = continuation
        delay = min(HAND_OFF_RETRY_S * 2**failures, _HAND_OFF_RETRY_MAX_S)
        continuation.timer = asyncio.get_running_loop().call_later(delay, self._grace_over, stream_id)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
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
                    self.spawn(self.dropped(session))
                    continue
                health: dict[str, float | int] = dict(session.recorder.health().to_json())
                health |= await session.transport_health()
                health |= self.captions.health(session.stream_id)
                await asyncio.to_thread(self.follow_restream, session)
                if session.restream is not None:
                    health |= session.restream.summary()
                await asyncio.to_thread(self._store_health, session.stream_id, health)

    def _store_health(self, stream_id: str, health: dict[str, float | int]) -> None:
        with transaction(self.runtime.sessions) as db:
            live_service.record_health(db, stream_id, health)


async def start_live_node(runtime: Runtime) -> LiveNode:
    """This process's live ingest; recordings a killed predecessor left are handed off meanwhile."""
    node = LiveNode(runtime)
    node.loop = asyncio.get_running_loop()
    node.spawn(asyncio.to_thread(recover_orphans, runtime))
    return node
