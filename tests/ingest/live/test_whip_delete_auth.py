"""Issue #15: a WHIP session's URL alone does not end it. Its DELETE needs the stream key it was
published with, as its POST did (RFC 9725: the session URL is the resource, authorized like the
endpoint); without it the answer is 401, with another stream's key 404, and the real aiortc
publisher's session goes on recording until its own DELETE ends it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiortc import RTCSessionDescription

from ingest.live import tap as live_tap
from ingest.live.models import LiveStream
from tests.harness.live import marked_source, new_stream, vp8_opus_peer, wait_for, whip_headers
from tests.harness.speech import SpeechFactory
from tests.harness.stack import Stack


@dataclass(frozen=True)
class Deletes:
    refused: dict[str, int]  # what each DELETE without the right key answered
    state_after_refused: str  # the stream's state once those had been answered
    publishing_after_refused: str | None  # the WHIP session the stream row says is publishing
    session_id: str
    own: int  # the publisher's own DELETE, with its key


async def _publish_and_try_deletes(
    stream_url: str,
    api: httpx.AsyncClient,
    keys: tuple[str, str],
    source: Path,
    publishing_session: Callable[[], str | None],
) -> Deletes:
    """An aiortc peer publishes `source` as VP8 + Opus; while it sends, its session's URL gets
    DELETEs without the key and with another stream's key; then the peer DELETEs with its own."""
    key, other_key = keys
    async with vp8_opus_peer(source) as pc, httpx.AsyncClient(timeout=20) as http:
        whip_url = str((await api.get(stream_url)).json()["whip_url"])
        offered = await http.post(
            whip_url,
            content=pc.localDescription.sdp,
            headers=whip_headers(key),
        )
        assert offered.status_code == 201, offered.text
        await pc.setRemoteDescription(RTCSessionDescription(offered.text, "answer"))
        await asyncio.sleep(3)  # the peer sends for this long: pacing, not a wait for a state
        resource = httpx.URL(whip_url).join(offered.headers["location"])
        refused = {
            "no credential": (await http.delete(resource)).status_code,
            "another stream's key": (
                await http.delete(resource, headers={"Authorization": f"Bearer {other_key}"})
            ).status_code,
            "not a bearer token": (await http.delete(resource, headers={"Authorization": key})).status_code,
        }
        await asyncio.sleep(2)  # a wrongly ended session would have stopped and handed off meanwhile
        after = (await api.get(stream_url)).json()
        publishing = await asyncio.to_thread(publishing_session)
        own = await http.delete(resource, headers={"Authorization": f"Bearer {key}"})
    return Deletes(refused, after["state"], publishing, resource.path.rsplit("/", 1)[-1], own.status_code)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> SpeechFactory:
    return SpeechFactory(tmp_path_factory.mktemp("speech"))


def test_a_whip_delete_without_the_stream_key_is_refused_and_the_session_goes_on(
    stack: Stack, speech: SpeechFactory, tmp_path: Path
) -> None:
    live_tap.install(["127.0.0.1"])  # this test process's peer gathers loopback candidates only
    token = stack.user(f"whip-delete-{time.monotonic_ns()}", "creator")
    client = stack.client(token)
    source = marked_source(tmp_path, speech, seconds=8, size="640x360")
    stream, other = new_stream(client, "Only its publisher ends it"), new_stream(client, "Another show")

    def publishing() -> str | None:
        with stack.runtime.sessions() as session:
            row = session.get(LiveStream, stream["id"])
            return row.session_id if row is not None else None

    async def run() -> Deletes:
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=stack.base_url, headers=headers, timeout=20) as api:
            url = f"/v1/live-streams/{stream['id']}"
            keys = (stream["stream_key"], other["stream_key"])
            return await _publish_and_try_deletes(url, api, keys, source, publishing)

    deletes = asyncio.run(run())

    assert deletes.refused == {"no credential": 401, "another stream's key": 404, "not a bearer token": 401}
    assert deletes.state_after_refused == "live", "the refused DELETEs did not end the stream"
    assert deletes.publishing_after_refused == deletes.session_id, "the stream's session stayed claimed"
    assert deletes.own == 200, "the session was still there for its publisher's own DELETE"
    ended = wait_for(client, f"/v1/live-streams/{stream['id']}", "asset_id", timeout=60)
    assert ended["state"] == "ended"
    assert client.get(f"/v1/live-streams/{other['id']}").json()["state"] == "idle"
