"""RTMP sessions: nginx holds the publisher's connection, this process pulls the stream and records it.

On nginx's `on_publish` the key is checked like a WHIP bearer key (401 unknown, 403 outside its
booking window, 409 already live on any protocol); the stream is claimed, and a reader thread
subscribes to the stream on nginx before the callback is answered, so nginx sends it the publisher's
very first frame. `on_play` is how the reader's subscription is known (and how anyone else's play is
refused). `on_publish_done`, or the reader's connection ending, is a drop: the publisher may come
back within the grace period and continue the same recording.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from urllib.parse import quote
from xml.etree import ElementTree

import av
import httpx
from av.container import InputContainer

from ingest.live import service as live_service
from ingest.live.node import Ingest, LiveNode
from ingest.live.packet_recorder import recorder_at
from ingest.live.pulled_session import PulledSession
from ingest.live.rtmp_engine import control_socket
from shopcast.db import transaction
from shopcast.errors import ShopcastError
from shopcast.ids import new_id
from shopcast.live_urls import RTMP_APP
from shopcast.settings import Settings

log = logging.getLogger(__name__)

# How long nginx's `on_publish` waits for the reader to subscribe before the publisher is refused.
SUBSCRIBE_WAIT_S = 5.0
_JOIN_POLL_S = 0.02
_DRAINED_AFTER_S = 0.5


class EngineUnavailable(ShopcastError):
    status = 503
    default_code = "ingest_unavailable"


@dataclass(eq=False)
class RtmpSession(PulledSession):
    settings: Settings = field(kw_only=True, repr=False)
    publisher_client: str = field(default="", kw_only=True)
    reader_client: str | None = field(default=None, kw_only=True)
    ingest: Ingest = field(default="rtmp", init=False)

    def open_input(self) -> InputContainer:
        """Subscribe to the stream on nginx as this session's reader (`on_play` names it)."""
        settings = self.settings
        url = f"rtmp://{settings.rtmp_pull_host}:{settings.rtmp_port}/{RTMP_APP}/{quote(self.stream_key)}"
        options = {"rtmp_live": "live", "analyzeduration": "1000000", "fpsprobesize": "0"}
        timeouts = (settings.live_media_timeout_s + SUBSCRIBE_WAIT_S, settings.live_media_timeout_s)
        return av.open(f"{url}?reader={self.id}", options=options, timeout=timeouts)

    def interrupt(self) -> None:
        """Disconnect the reader at nginx, and the publisher if it is still there (a silent one, or
        this process stopping): it reconnects, to this stream if it lives on."""
        for client in (self.reader_client, self.publisher_client):
            if client:
                drop_client(self.settings, client)


class RtmpIngest:
    """RTMP's side of the node: nginx's callbacks, and the readers that pull from nginx."""

    def __init__(self, node: LiveNode) -> None:
        self.node = node
        self.settings = node.runtime.settings
        self._subscribing: dict[str, asyncio.Future[str]] = {}

    async def publish(self, key: str, client_id: str) -> RtmpSession:
        """nginx asks whether `key` may publish: answers the session, or raises the refusal."""
        try:
            await self.node.take_over_quiet(key)
            stream_id = await asyncio.to_thread(self.node.authorize, key)
        except ShopcastError as refused:
            await asyncio.to_thread(self._note_refusal, key, refused)
            raise
        session = self._new_session(stream_id, key, client_id)
        subscribed = asyncio.get_running_loop().create_future()
        self._subscribing[session.id] = subscribed
        try:
            await self.node.go_live(session)
            session.start(self.node)
            reader: str = await asyncio.wait_for(subscribed, SUBSCRIBE_WAIT_S)
            session.reader_client = reader
            # nginx may read this answer before its own answer to on_play: the publisher must not be
            # let in until the reader has really joined the stream, or its first frames go unread
            await asyncio.wait_for(self._joined(key, reader), SUBSCRIBE_WAIT_S)
        except TimeoutError:
            await self.node.abandon(session)
            raise EngineUnavailable("the RTMP engine did not let this server read the stream") from None
        except BaseException:
            await self.node.abandon(session)
            raise
        finally:
            self._subscribing.pop(session.id, None)
        return session

    def play(self, reader: str, client_id: str, key: str) -> bool:
        """nginx asks whether a client may play: only this node's readers, each once, and each only
        the stream it was started for."""
        waiting = self._subscribing.get(reader)
        session = self.node.sessions.get(reader)
        if waiting is None or waiting.done() or session is None or session.stream_key != key:
            return False
        waiting.set_result(client_id)
        return True

    async def publish_done(self, key: str, client_id: str) -> None:
        """The publisher's connection ended (it stopped, or it dropped): once the reader has read
        what nginx had already sent it, the session ends and the grace for a reconnect begins."""
        for session in self.node.sessions_of(key):
            if isinstance(session, RtmpSession) and session.publisher_client == client_id:
                await _drained(session)
                await self.node.dropped(session)

    async def _joined(self, key: str, client_id: str) -> None:
        """Until nginx's statistics list the client among the stream's."""
        transport = httpx.AsyncHTTPTransport(uds=str(control_socket(self.settings)))
        async with httpx.AsyncClient(transport=transport, timeout=5) as client:
            while not _listed(await client.get("http://nginx/stat"), key, client_id):
                await asyncio.sleep(_JOIN_POLL_S)

    def recording(self, key: str, client_id: str) -> bool:
        """Whether a session of this node records the publisher `client_id` of `key`."""
        return any(
            isinstance(session, RtmpSession) and session.publisher_client == client_id
            for session in self.node.sessions_of(key)
        )

    def _new_session(self, stream_id: str, key: str, client_id: str) -> RtmpSession:
        recorder = recorder_at(self.node.recording_place(stream_id), self.settings.live_segment_s)
        return RtmpSession(
            new_id(), stream_id, key, recorder, settings=self.settings, publisher_client=client_id
        )

    def _note_refusal(self, key: str, refused: ShopcastError) -> None:
        log.info("RTMP publisher of key %s... refused: %s", key[:6], refused.code)
        with transaction(self.node.runtime.sessions) as db:
            live_service.record_refusal(db, key, "rtmp", refused)


async def _drained(session: RtmpSession) -> None:
    """Until the reader has had nothing for a moment (at most a few seconds): the last frames are
    still on their way to it when nginx says its publisher has gone."""
    waited = 0.0
    while session.recorder.silent_for_s() < _DRAINED_AFTER_S and waited < SUBSCRIBE_WAIT_S:
        await asyncio.sleep(_JOIN_POLL_S * 5)
        waited += _JOIN_POLL_S * 5


def _listed(answer: httpx.Response, key: str, client_id: str) -> bool:
    """Whether nginx's statistics (its own XML, over its private socket) list `client_id` on `key`."""
    stats = ElementTree.fromstring(answer.content)  # noqa: S314 - our nginx's output, not input
    for stream in stats.iter("stream"):
        if stream.findtext("name") == key:
            return any(client.findtext("id") == client_id for client in stream.iter("client"))
    return False


def drop_client(settings: Settings, client_id: str) -> None:
    """Ask nginx to disconnect one client (a reader, or a publisher). By its id alone: the stream's
    name is its key, which has no place in a URL that HTTP clients log."""
    transport = httpx.HTTPTransport(uds=str(control_socket(settings)))
    query = f"app={RTMP_APP}&clientid={quote(client_id)}"
    try:
        with httpx.Client(transport=transport, timeout=5) as client:
            client.get(f"http://nginx/control/drop/client?{query}")
    except httpx.HTTPError as exc:
        log.warning("RTMP engine: dropping client %s failed: %s", client_id, exc)
