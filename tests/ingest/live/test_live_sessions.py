"""A WHIP publish that fails after its peer connection exists leaves nothing behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from ingest.live import tap as live_tap
from ingest.live import whip_sessions
from ingest.live.models import LiveState, LiveStream
from ingest.live.node import LiveNode, LiveSession
from ingest.live.schemas import LiveStreamIn
from ingest.live.service import create_stream
from ingest.live.whip_offer import parse_offer
from ingest.live.whip_sessions import WhipIngest
from shopcast.auth.models import Role
from shopcast.auth.service import Principal, create_user
from shopcast.db import transaction
from shopcast.errors import Conflict
from shopcast.runtime import Runtime


def _stream(runtime: Runtime) -> LiveStream:
    with transaction(runtime.sessions) as session:
        user, _ = create_user(session, "creator", Role.creator)
        return create_stream(session, Principal(user.id, user.name, user.role), LiveStreamIn(title="sale"))


async def _offer() -> str:
    """What a browser-like publisher offers: one video and one audio track, loopback candidates."""
    publisher = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    publisher.addTransceiver(VideoStreamTrack(), direction="sendonly")
    publisher.addTransceiver(AudioStreamTrack(), direction="sendonly")
    await publisher.setLocalDescription(await publisher.createOffer())
    await publisher.close()
    return str(publisher.localDescription.sdp)


@pytest.mark.parametrize("failing", ["node._claim", "whip._attach"])
def test_a_publish_that_fails_after_answering_closes_its_peer_and_its_sinks(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    stream = _stream(runtime)
    peers: list[RTCPeerConnection] = []

    class Tracked(RTCPeerConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            peers.append(self)

    def fail(*_args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(whip_sessions, "RTCPeerConnection", Tracked)
    sinks_before = dict(live_tap._sinks)

    async def publish() -> LiveNode:
        node = LiveNode(runtime)
        whip = WhipIngest(node)
        owner, method = failing.split(".")
        monkeypatch.setattr({"node": node, "whip": whip}[owner], method, fail)
        with pytest.raises(RuntimeError, match="went away"):
            await whip.publish(stream.stream_key, parse_offer(await _offer()))
        return node

    node = asyncio.run(publish())
    assert [peer.connectionState for peer in peers] == ["closed"]
    assert live_tap._sinks == sinks_before
    assert node.sessions == {}
    with runtime.sessions() as session:
        row = session.get(LiveStream, stream.id)
        assert row is not None
        assert (row.state, row.session_id) == (LiveState.idle, None)  # the key can go live again


def test_a_publish_whose_claim_is_lost_is_409_and_leaves_no_session(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = _stream(runtime)

    def lost(_session: LiveSession) -> bool:
        return False

    async def publish() -> LiveNode:
        node = LiveNode(runtime)
        monkeypatch.setattr(node, "_claim", lost)
        with pytest.raises(Conflict) as refused:
            await WhipIngest(node).publish(stream.stream_key, parse_offer(await _offer()))
        assert refused.value.code == "already_live"
        return node

    assert asyncio.run(publish()).sessions == {}
