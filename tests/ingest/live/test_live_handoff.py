"""A finished recording becomes an asset even when the first try to store it fails."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

import av
import pytest

from ingest.assets.models import source_key
from ingest.live import node as live_node
from ingest.live.handoff import hand_off, recording_dir, recover_orphans
from ingest.live.models import LiveState, LiveStream
from ingest.live.node import Continuation, LiveNode
from ingest.live.schemas import LiveStreamIn
from ingest.live.segment_writer import LiveRecorder
from ingest.live.service import claim, create_stream, node_id, release, stream_for_key
from shopcast.auth.models import Role
from shopcast.auth.service import Principal, create_user
from shopcast.db import transaction, utcnow
from shopcast.runtime import Runtime
from tests.harness.live import h264_frames, opus_frames
from tests.harness.polling import wait_until


def _recorded_stream(runtime: Runtime, publisher: str, node: str = "node") -> LiveStream:
    """A live stream that `publisher` on `node` has recorded 2 s of picture and sound into."""
    with transaction(runtime.sessions) as session:
        user, _ = create_user(session, f"creator-{time.monotonic_ns()}", Role.creator)
        stream = create_stream(session, Principal(user.id, user.name, user.role), LiveStreamIn(title="sale"))
    with transaction(runtime.sessions) as session:
        assert claim(session, stream.id, publisher, node)
    recorder = LiveRecorder(recording_dir(runtime, stream.id), "h264", segment_s=1.0, sync_wait_s=0.0)
    audio = opus_frames(100)
    for n, frame in enumerate(h264_frames(320, 240, 60)):
        recorder.write("video", n * 3000, frame)
        for k in range(3 * n // 2, 3 * (n + 1) // 2):  # 20 ms of sound per 33 ms picture
            recorder.write("audio", k * 960, audio[k])
    recorder.close()
    return stream


def _fail_first_put(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []
    put_file = runtime.store.put_file

    def flaky(key: str, path: Path, content_type: str = "application/octet-stream") -> None:
        attempts.append(key)
        if len(attempts) == 1:
            raise OSError("the object store is unreachable")
        put_file(key, path, content_type)

    monkeypatch.setattr(runtime.store, "put_file", flaky)
    return attempts


def _row(runtime: Runtime, stream_id: str) -> LiveStream:
    with runtime.sessions() as session:
        stream = session.get(LiveStream, stream_id)
        assert stream is not None
        return stream


def _assert_recorded_asset(runtime: Runtime, stream_id: str, tmp_path: Path) -> None:
    ended = _row(runtime, stream_id)
    assert ended.state is LiveState.ended
    assert ended.asset_id is not None
    recording = tmp_path / "recording.mkv"
    runtime.store.download_to(source_key(ended.asset_id), recording)
    with av.open(str(recording)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        assert sum(1 for p in container.demux(video=0) if p.size) == 60


def test_a_failed_hand_off_gives_the_stream_back_and_a_retry_makes_the_asset(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stream = _recorded_stream(runtime, "publisher-1")
    attempts = _fail_first_put(runtime, monkeypatch)

    with pytest.raises(OSError, match="unreachable"):
        hand_off(runtime, stream.id, "publisher-1")

    stuck = _row(runtime, stream.id)
    assert (stuck.state, stuck.session_id) == (LiveState.live, None)
    with runtime.sessions() as session:  # the key is not `409 stream_ending` for ever
        assert stream_for_key(session, stream.stream_key, utcnow(), runtime.settings).id == stream.id
    assert hand_off(runtime, stream.id, None)
    assert len(attempts) == 2
    _assert_recorded_asset(runtime, stream.id, tmp_path)


def test_the_node_retries_a_failed_hand_off_by_itself(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stream = _recorded_stream(runtime, "publisher-1")
    with transaction(runtime.sessions) as session:
        release(session, stream.id, "publisher-1")  # dropped, and its grace period is over
    attempts = _fail_first_put(runtime, monkeypatch)
    monkeypatch.setattr(live_node, "HAND_OFF_RETRY_S", 0.2)

    async def grace_over() -> None:
        node = LiveNode(runtime)
        node._continuations[stream.id] = Continuation(end_s=2.0)
        node._grace_over(stream.id)
        try:  # polled in a thread: the node's retry runs on this event loop meanwhile
            await asyncio.to_thread(
                wait_until,
                lambda: _row(runtime, stream.id).asset_id is not None,
                timeout_s=30,
                interval_s=0.1,
                what="the node's own retry making the asset",  # before shutdown's own hand-off
            )
        finally:
            await node.shutdown()

    asyncio.run(grace_over())
    assert len(attempts) == 2
    _assert_recorded_asset(runtime, stream.id, tmp_path)


def test_a_restarted_process_with_the_same_host_and_pid_recovers_what_its_predecessor_recorded(
    runtime: Runtime, tmp_path: Path
) -> None:
    # In a container under tini the API that died and the one that replaced it share hostname and pid
    predecessor = f"{socket.gethostname()}:{os.getpid()}:{'0' * 16}:{runtime.settings.live_dir}"
    orphan = _recorded_stream(runtime, "publisher-1", node=predecessor)
    ours = _recorded_stream(runtime, "publisher-2", node=node_id(runtime.settings.live_dir))
    elsewhere = _recorded_stream(runtime, "publisher-3", node=predecessor.replace(":/", ":/elsewhere/"))

    assert recover_orphans(runtime) == [(orphan.id, "publisher-1")]
    _assert_recorded_asset(runtime, orphan.id, tmp_path)
    assert _row(runtime, ours.id).session_id == "publisher-2"  # this process is still recording it
    assert _row(runtime, elsewhere.id).session_id == "publisher-3"  # another node's folder
