"""Hostile and unacceptable uploads end `rejected` with the right code, fast, touching nothing else."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness.listener import TrapListener
from tests.harness.media import MediaFactory
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state

ROOT = Path(__file__).resolve().parents[3]

HOSTILE: dict[str, tuple[Callable[[MediaFactory, int], Path], str]] = {
    "zero_bytes": (lambda m, _: m.zero_bytes(), "corrupt"),
    "random_bytes": (lambda m, _: m.random_bytes(), "unsupported_format"),
    "text_named_mp4": (lambda m, _: m.text_named_mp4(), "unsupported_format"),
    "truncated_at_head": (lambda m, _: m.truncated_head(), "corrupt"),
    "truncated_at_tail": (lambda m, _: m.truncated_tail(), "corrupt"),
    "hls_playlist_to_loopback": (
        lambda m, port: m.hls_playlist(f"http://127.0.0.1:{port}/segment0.ts", "playlist.m3u8"),
        "unsafe_input",
    ),
    "hls_playlist_renamed_mp4": (
        lambda m, port: m.hls_playlist(f"http://127.0.0.1:{port}/segment0.ts", "playlist.mp4"),
        "unsafe_input",
    ),
    "concat_list_of_etc_passwd": (lambda m, _: m.concat_list(), "unsafe_input"),
    "single_png": (lambda m, _: m.png(), "unsupported_format"),
    "gif": (lambda m, _: m.gif(), "unsupported_format"),
    "raw_frame_30000x30000": (lambda m, _: m.huge_raw_frame(), "too_large"),
    "audio_only": (lambda m, _: m.audio_only(), "no_video"),
}


@pytest.fixture
def trap() -> Iterator[TrapListener]:
    listener = TrapListener()
    yield listener
    listener.close()


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_upload_is_rejected_with_code(
    stack: Stack, media: MediaFactory, trap: TrapListener, kind: str
) -> None:
    make, code = HOSTILE[kind]
    path = make(media, trap.port)
    with stack.client(stack.user(f"hostile-{kind}-{stack.name}", "creator")) as client:
        asset_id = upload(client, path)
        uploaded = time.monotonic()
        asset = wait_for_state(client, asset_id, {"ready", "rejected", "failed"}, timeout=10)
        assert time.monotonic() - uploaded < 10
    assert asset["state"] == "rejected"
    assert asset["error"]["code"] == code, asset["error"]
    assert asset["error"]["message"]
    assert asset["source"] is None
    assert [(j["kind"], j["state"], j["error"]["code"]) for j in asset["jobs"]] == [("probe", "failed", code)]
    assert trap.connections == 0


def test_rejections_leave_a_neighbour_intact(stack: Stack, media: MediaFactory) -> None:
    good = media.h264_aac_1080p30()
    with stack.client(stack.user(f"neighbour-{stack.name}", "creator")) as client:
        good_id = upload(client, good)
        wait_for_state(client, good_id, {"ready"})
        for bad in (media.truncated_tail(), media.concat_list(), media.huge_raw_frame()):
            wait_for_state(client, upload(client, bad), {"rejected"}, timeout=10)
        after = client.get(f"/v1/assets/{good_id}").json()
        stored = client.get(f"/v1/assets/{good_id}/source")
    assert after["state"] == "ready"
    assert hashlib.sha256(stored.content).hexdigest() == hashlib.sha256(good.read_bytes()).hexdigest()


@pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")
def test_playlist_naming_metadata_address_sends_no_packet(media: MediaFactory) -> None:
    """The playlist names 169.254.169.254; the whole stack runs where only loopback exists."""
    playlist = media.hls_playlist("http://169.254.169.254/latest/meta-data/segment.ts", "metadata.mp4")
    script = f"ip link set lo up && exec {sys.executable} -m tests.harness.isolated_upload {playlist}"
    done = subprocess.run(
        ["unshare", "-n", "--", "sh", "-c", script], cwd=ROOT, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    asset = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert asset["state"] == "rejected"
    assert asset["error"]["code"] == "unsafe_input"
