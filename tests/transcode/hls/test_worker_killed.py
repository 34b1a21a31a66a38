"""A worker killed with SIGKILL in the middle of a transcode: the job still succeeds exactly once."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from shopcast.jobs.scratch import process_alive, scratch_owner
from tests.harness.events import event_count
from tests.harness.media import MediaFactory
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import upload
from tests.transcode.outputs import single_output_set


def _transcode_job(client: httpx.Client, asset_id: str) -> dict[str, Any]:
    jobs: dict[str, dict[str, Any]] = {
        j["kind"]: j for j in client.get(f"/v1/assets/{asset_id}").json()["jobs"]
    }
    return jobs.get("transcode", {})


def _wait(
    client: httpx.Client, asset_id: str, done: Callable[[dict[str, Any]], bool], timeout: float
) -> dict[str, Any]:
    return poll(
        lambda: _transcode_job(client, asset_id),
        done,
        timeout_s=timeout,
        interval_s=0.2,
        what=lambda job: f"transcode job never got there: {job}",
    )


def test_sigkill_mid_transcode_gives_one_result(stack: Stack, media: MediaFactory) -> None:
    with stack.client(stack.user(f"killed-{stack.name}", "creator")) as client:
        asset_id = upload(client, media.h264_aac_1080p30(seconds=20))
        _wait(client, asset_id, lambda j: j.get("state") == "running" and j["progress"] > 0.1, 120)
        killed = _scratch_of_worker(stack, "worker")
        assert killed, "the running transcode works in its own scratch folder"
        stack.stop("worker", signal.SIGKILL)
        stack.start_worker()
        job = _wait(client, asset_id, lambda j: j.get("state") in ("succeeded", "failed"), 240)
        asset = client.get(f"/v1/assets/{asset_id}").json()
    assert job["state"] == "succeeded", job["error"]
    assert job["attempts"] == 2
    assert event_count(stack, asset_id, "renditions.ready") == 1
    assert event_count(stack, asset_id, "asset.playable") == 1
    assert len(asset["renditions"]) == 4
    outputs = single_output_set(stack, asset_id)
    playlists = [key for key in outputs if key.endswith("index.m3u8")]
    referenced = {"master.m3u8"}
    for key in playlists:
        rung = key.rsplit("/", 2)[-2]
        text = stack.runtime.store.get_bytes(key).decode()
        referenced.add(f"{rung}/index.m3u8")
        referenced |= {f"{rung}/{line}" for line in text.splitlines() if line and not line.startswith("#")}
        referenced |= {f"{rung}/{name}" for name in _map_uris(text)}
    stored = {key.split("/", 4)[4] for key in outputs}
    assert stored == referenced, "no orphaned segments"
    _wait_for_no_dead_scratch(stack, killed)


def _scratch_of_worker(stack: Stack, name: str) -> list[Path]:
    """Scratch folders owned by a process of the worker's process group (its pool children)."""
    group = stack.processes[name].pid
    owned: list[Path] = []
    for folder in stack.settings.scratch_dir.iterdir():
        pid = _owner_pid(folder)
        try:
            if os.getpgid(pid) == group and any(folder.iterdir()):
                owned.append(folder)
        except ProcessLookupError:
            continue
    return owned


def _wait_for_no_dead_scratch(stack: Stack, killed: list[Path]) -> None:
    """The killed worker's scratch space (its source copy, half an encode) is swept away by a
    sweeper (the probe worker's or the restarted worker's), and no other dead process's is left."""
    scratch = stack.settings.scratch_dir

    def dead() -> list[str]:
        names = [d.name for d in scratch.iterdir() if not process_alive(_owner_pid(d))]
        return names + [d.name for d in killed if d.exists()]

    poll(
        dead,
        lambda names: not names,
        timeout_s=15,
        interval_s=0.5,
        what=lambda names: f"scratch of dead processes left behind: {names}",
    )


def _owner_pid(folder: Path) -> int:
    owner = scratch_owner(folder)
    assert owner is not None, f"{folder.name} is not a process's scratch folder"
    return owner[1]


def _map_uris(playlist: str) -> list[str]:
    return [
        line.split('URI="')[1].split('"')[0]
        for line in playlist.splitlines()
        if line.startswith("#EXT-X-MAP")
    ]
