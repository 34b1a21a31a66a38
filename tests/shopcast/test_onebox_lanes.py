"""`shopcast up`: short jobs have a lane of their own, so a probe runs while ladders fill the long lane."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from shopcast.cli.lanes import LONG_QUEUES, SHORT_QUEUES, one_box_lanes
from shopcast.jobs.registry import KIND_QUEUES, QUEUES
from shopcast.settings import Settings
from tests.harness.media import MediaFactory, ffmpeg
from tests.harness.one_box import OneBox, boot_one_box
from tests.harness.polling import poll
from tests.harness.services import free_port
from tests.harness.stack import FAST_JOBS_ENV
from tests.harness.tus import upload, wait_for_state
from tests.transcode.outputs import wait_for_ladder


def test_every_queue_has_one_lane_and_short_kinds_are_off_the_long_lane() -> None:
    lanes = one_box_lanes(Settings())
    consumed = [queue for lane in lanes for queue in lane.queues]
    assert sorted(consumed) == sorted(QUEUES), "each queue is consumed by exactly one lane"
    for kind in ("probe", "preview", "deliver_publication"):
        assert KIND_QUEUES[kind] in SHORT_QUEUES, kind
    for kind in ("transcode", "loudness", "thumbnails", "subtitles", "render_clip", "render_publication"):
        assert KIND_QUEUES[kind] in LONG_QUEUES, kind
    assert "webhooks" in SHORT_QUEUES


@pytest.fixture
def one_box(tmp_path: Path) -> Iterator[OneBox]:
    port = free_port()
    env = {**FAST_JOBS_ENV, "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    box = boot_one_box("one-box", env, tmp_path / "data", port)
    try:
        yield box
    finally:
        box.stop()


def _silent_1080p(media: MediaFactory, seconds: int) -> Path:
    """Video only, so an asset's long jobs are its ladder and its thumbnails (no loudness, subtitles)."""
    path = media.folder / f"silent_h264_1080p30_{seconds}s.mp4"
    if not path.exists():
        ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-t", str(seconds),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
        )  # fmt: skip
    return path


def _job(asset: dict[str, Any], kind: str) -> dict[str, Any]:
    job: dict[str, Any] = next(j for j in asset["jobs"] if j["kind"] == kind)
    return job


def _at(job: dict[str, Any], field: str) -> datetime:
    assert job[field] is not None, job
    return datetime.fromisoformat(job[field])


def _long_jobs(client: httpx.Client, asset_ids: list[str]) -> list[dict[str, Any]]:
    """The assets' jobs that run on the long lane (ladders, thumbnails, ...)."""
    assets = [client.get(f"/v1/assets/{asset_id}").json() for asset_id in asset_ids]
    return [j for a in assets for j in a["jobs"] if KIND_QUEUES[j["kind"]] in LONG_QUEUES]


def _long_lane_full(client: httpx.Client, asset_ids: list[str]) -> None:
    """Both long slots busy with more waiting behind them, so they stay busy for a while. Which kinds
    fill them is the broker's business: under load an asset's thumbnails take as long as its ladder,
    and the second asset's ladder only starts when the first one's ends."""

    def states() -> list[str]:
        return sorted(j["state"] for j in _long_jobs(client, asset_ids))

    poll(
        states,
        lambda seen: seen.count("running") == 2 and "queued" in seen,
        timeout_s=120,
        interval_s=0.2,
        what="both long-lane slots busy with work queued behind them",
    )


def test_probe_completes_while_both_long_slots_run_ladders(one_box: OneBox, media: MediaFactory) -> None:
    long_lane = one_box_lanes(one_box.stack.settings)[1]
    assert long_lane.concurrency == 2, "the default: two long slots, both filled below"
    workers = {
        ",".join(lane.queues): proc
        for proc in psutil.Process(one_box.process.pid).children()
        for lane in one_box_lanes(one_box.stack.settings)
        if ",".join(lane.queues) in proc.cmdline()
    }
    assert len(workers) == 2, "a worker per lane under the supervisor"
    assert workers[",".join(LONG_QUEUES)].nice() == long_lane.nice > 0
    assert workers[",".join(SHORT_QUEUES)].nice() == 0

    with one_box.stack.client(one_box.stack.user("lanes", "creator")) as client:
        source = _silent_1080p(media, 24)  # long enough to hold both slots while the probe runs
        ladders = [upload(client, source), upload(client, source)]
        _long_lane_full(client, ladders)
        small = upload(client, media.h264_aac_1080p30(seconds=2))
        probed = wait_for_state(client, small, {"ready"}, timeout=60)
        for asset_id in ladders:
            wait_for_ladder(client, asset_id)
        # The ladder is ready before the same asset's thumbnails may be: wait for every long job.
        long_jobs = poll(
            lambda: _long_jobs(client, ladders),
            lambda jobs: all(j["state"] not in ("queued", "running") for j in jobs),
            timeout_s=120,
            interval_s=0.5,
            what="every long-lane job of both ladders finished",
        )

    probe = _job(probed, "probe")
    assert probe["state"] == "succeeded", probe
    assert all(job["state"] == "succeeded" for job in long_jobs), long_jobs
    started = _at(probe, "started_at")
    busy = [j for j in long_jobs if _at(j, "started_at") < started < _at(j, "finished_at")]
    # With one shared lane the probe would have waited for one of these to finish.
    assert len(busy) == 2, f"the probe started at {started} while these held long slots: {busy}"
