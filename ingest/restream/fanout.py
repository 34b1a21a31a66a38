"""A live session's restream: a pusher per enabled destination, fed by the session's reader thread.

The set of pushers follows the database: `reconcile` starts a pusher for each enabled destination
without one and stops those whose destination was disabled or deleted. The live node calls it as the
session opens (so every destination gets the stream within a moment of going live), on every health
tick, and at once after an API change made in its own process.
"""

from __future__ import annotations

import logging
import threading

import av
from av.stream import Stream

from ingest.restream import service as restream_service
from ingest.restream.models import PushState
from ingest.restream.pusher import PacketCopy, Pusher, PushReport
from shopcast.db import transaction, utcnow
from shopcast.runtime import Runtime

log = logging.getLogger(__name__)

_MAX_CACHED = 1000  # a GOP of several seconds, picture and sound


class Restream:
    def __init__(self, runtime: Runtime, stream_id: str, tracks: list[Stream]) -> None:
        self.runtime = runtime
        self.stream_id = stream_id
        self.tracks = tracks
        self._pushers: dict[str, Pusher] = {}
        self._since_keyframe: list[PacketCopy] = []
        self._lock = threading.Lock()
        self._stopped = False

    def feed(self, packet: av.Packet[Stream]) -> None:
        """Every packet of the stream, from its reader thread, before the recorder takes it."""
        copy = PacketCopy.of(packet)
        if copy is None:
            return
        with self._lock:
            pushers = list(self._pushers.values())
            self._keep(copy)
        for pusher in pushers:
            pusher.feed(copy)

    def _keep(self, copy: PacketCopy) -> None:
        """The packets since the last keyframe: a push that starts mid-stream (a destination enabled,
        or after a reconnect) begins with them instead of waiting for the next keyframe."""
        if copy.kind == "video" and copy.keyframe:
            self._since_keyframe = []
        if len(self._since_keyframe) < _MAX_CACHED:
            self._since_keyframe.append(copy)

    def reconcile(self) -> None:
        """Start and stop pushers to match the enabled destinations; note their bitrates (blocking)."""
        settings = self.runtime.settings
        with transaction(self.runtime.sessions) as session:
            wanted = {
                t.id: t.url for t in restream_service.enabled_targets(session, settings, self.stream_id)
            }
        with self._lock:
            if self._stopped:
                return
            gone = [self._pushers.pop(i) for i in list(self._pushers) if i not in wanted]
            for destination_id, url in wanted.items():
                if destination_id not in self._pushers:
                    self._pushers[destination_id] = self._start(destination_id, url)
            rates = {i: p.rate.kbps() for i, p in self._pushers.items()}
        for pusher in gone:
            pusher.stop()
            self._report(PushReport(pusher.destination_id, PushState.idle))
        with transaction(self.runtime.sessions) as session:
            for destination_id, kbps in rates.items():
                restream_service.record_rate(session, destination_id, kbps)

    def stop(self) -> None:
        """The session ended: every push ends cleanly, and the destinations are idle again."""
        with self._lock:
            self._stopped = True
            pushers, self._pushers = list(self._pushers.values()), {}
        for pusher in pushers:
            pusher.stop()
        try:
            with transaction(self.runtime.sessions) as session:
                restream_service.all_idle(session, self.stream_id)
        except Exception:
            log.exception("restream of stream %s: marking its destinations idle failed", self.stream_id)

    def summary(self) -> dict[str, float | int]:
        """For the stream's health: destinations pushed to, and their bitrate together."""
        with self._lock:
            pushers = list(self._pushers.values())
        return {
            "restream_destinations": len(pushers),
            "restream_kbps": round(sum(p.rate.kbps() for p in pushers), 1),
            "restream_dropped": sum(p.dropped for p in pushers),
        }

    def _start(self, destination_id: str, url: str) -> Pusher:
        settings = self.runtime.settings
        pusher = Pusher(
            destination_id,
            url,
            self.tracks,
            allow_private=settings.restream_allow_private,
            retry_max_s=settings.restream_retry_max_s,
            report=self._report,
        )
        for copy in self._since_keyframe:
            pusher.feed(copy)
        pusher.start()
        return pusher

    def _report(self, report: PushReport) -> None:
        """A pusher's state, written down (and announced) as it happens; from the pusher's thread."""
        try:
            with transaction(self.runtime.sessions) as session:
                restream_service.record_push(
                    session,
                    report.destination_id,
                    report.state,
                    error=report.error,
                    reconnected=report.reconnected,
                    live_since=utcnow() if report.state is PushState.live else None,
                )
        except Exception:
            log.exception("restream %s: noting its state failed", report.destination_id)
        if report.error:
            log.info("restream %s: %s (%s)", report.destination_id, report.state.value, report.error)
