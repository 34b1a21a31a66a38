"""Time to playable on one box: `shopcast up` (as `make run` starts it) with ladders running, in one run.

    .venv/bin/python -m bench.onebox [--seconds 60]

Three 60 s 1080p H.264 uploads are sent at once; then, while their ladders run, a file of garbage
bytes; then the same three sources one after another, each once the one before has finished all its
jobs. Targets: each of the three sent at once is playable (`playback.hls` present, its master
playlist, a variant playlist and a segment fetched) within 3 s of its upload completing, worst of
the three; the garbage is rejected within 5 s of its upload completing; the ladders' total time when
sent at once (first ladder start to last ladder end) is at most 1.1x their time one after another
(the sum of the three ladders' run times).

The processes are the ones `shopcast up` starts (the supervisor itself runs, with the lanes of
shopcast/cli/lanes.py), with the production heartbeat and sweep intervals. "Upload complete" is the
upload row's `completed_at`; "playable" and "rejected" are when this client first saw them, polling
every 0.1 s, so the times include the client's own polling delay.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bench.ladder import PRODUCTION_INTERVALS, make_source
from ingest.uploads.models import Upload
from shopcast.cli.lanes import one_box_lanes
from tests.harness.memory import RssSampler
from tests.harness.one_box import OneBox, boot_one_box
from tests.harness.polling import first_found, poll
from tests.harness.services import free_port
from tests.harness.tus import upload

PLAYABLE_TARGET_S = 3.0
REJECTED_TARGET_S = 5.0
LADDER_RATIO_TARGET = 1.1
SETTLED = {"succeeded", "failed"}


@dataclass(frozen=True)
class Arrival:
    """One upload: when it completed and when this client first saw it playable (or rejected)."""

    asset_id: str
    completed_at: datetime
    seen_at: datetime

    @property
    def latency_s(self) -> float:
        return (self.seen_at - self.completed_at).total_seconds()


def _now() -> datetime:
    return datetime.now(UTC)


def _completed_at(box: OneBox, asset_id: str) -> datetime:
    with box.stack.runtime.sessions() as session:
        completed = session.scalar(select(Upload.completed_at).where(Upload.asset_id == asset_id))
    assert completed is not None, asset_id
    return completed


def _fetchable(asset: dict[str, Any]) -> bool:
    """The master playlist, its first variant and that variant's first segment answer 200."""
    master_url = asset["playback"]["hls"]
    if not master_url:
        return False
    master = httpx.get(master_url, timeout=10)
    variants = [line for line in master.text.splitlines() if line and not line.startswith("#")]
    if master.status_code != 200 or not variants:
        return False
    variant_url = httpx.URL(master_url).join(variants[0])
    variant = httpx.get(variant_url, timeout=10)
    segments = [line for line in variant.text.splitlines() if line and not line.startswith("#")]
    if variant.status_code != 200 or not segments:
        return False
    segment = httpx.get(variant_url.join(segments[0]), timeout=10)
    return segment.status_code == 200 and len(segment.content) > 0


def _playable_arrival(box: OneBox, token: str, source: Path) -> Arrival:
    """Upload `source`, then poll until a player could start it."""
    with box.stack.client(token) as client:
        asset_id = upload(client, source)

        def seen() -> datetime | None:
            return _now() if _fetchable(client.get(f"/v1/assets/{asset_id}").json()) else None

        seen_at = first_found(seen, timeout_s=600, interval_s=0.1, what=f"asset {asset_id} playable")
    return Arrival(asset_id, _completed_at(box, asset_id), seen_at)


def _rejected_arrival(box: OneBox, token: str, garbage: Path) -> Arrival:
    with box.stack.client(token) as client:
        asset_id = upload(client, garbage)
        poll(
            lambda: client.get(f"/v1/assets/{asset_id}").json(),
            lambda asset: asset["state"] in ("rejected", "failed", "ready"),
            timeout_s=600,
            interval_s=0.1,
            what=lambda asset: f"garbage {asset_id} not settled: {asset}",
        )
        seen_at = _now()
        state = client.get(f"/v1/assets/{asset_id}").json()["state"]
    assert state == "rejected", f"garbage bytes ended {state}"
    return Arrival(asset_id, _completed_at(box, asset_id), seen_at)


def _settled_jobs(box: OneBox, token: str, asset_id: str) -> list[dict[str, Any]]:
    """The asset's jobs once every one of them has ended (the bench asks every 2 s, as a patient client)."""
    with box.stack.client(token) as client:
        asset: dict[str, Any] = poll(
            lambda: client.get(f"/v1/assets/{asset_id}").json(),
            lambda asset: bool(asset["jobs"]) and all(job["state"] in SETTLED for job in asset["jobs"]),
            timeout_s=3600,
            interval_s=2.0,
            what=lambda asset: f"jobs of {asset_id} not settled: {asset['jobs']}",
        )
    jobs: list[dict[str, Any]] = asset["jobs"]
    for job in jobs:
        if job["state"] != "succeeded":
            print(f"  note: {job['kind']} of {asset_id} {job['state']}: {job['error']}", flush=True)
    assert next(job for job in jobs if job["kind"] == "transcode")["state"] == "succeeded", jobs
    return jobs


def _running_ladders(box: OneBox, token: str, asset_ids: list[str]) -> int:
    with box.stack.client(token) as client:
        assets = [client.get(f"/v1/assets/{asset_id}").json() for asset_id in asset_ids]
    return sum(1 for a in assets for j in a["jobs"] if j["kind"] == "transcode" and j["state"] == "running")


@dataclass(frozen=True)
class Ladder:
    started_at: datetime
    finished_at: datetime
    last_job_at: datetime  # when the asset's last job of any kind ended

    @property
    def run_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def _ladder(jobs: list[dict[str, Any]]) -> Ladder:
    transcode = next(job for job in jobs if job["kind"] == "transcode")
    return Ladder(
        datetime.fromisoformat(transcode["started_at"]),
        datetime.fromisoformat(transcode["finished_at"]),
        max(datetime.fromisoformat(job["finished_at"]) for job in jobs),
    )


@dataclass(frozen=True)
class AtOnce:
    arrivals: list[Arrival]
    garbage: Arrival
    ladders_running_at_garbage: int
    ladders: list[Ladder]


def _at_once(box: OneBox, token: str, source: Path, garbage: Path) -> AtOnce:
    """Three uploads at once, then garbage while their ladders run; waits until all is done."""
    with ThreadPoolExecutor(3) as pool:
        arrivals = list(pool.map(lambda _: _playable_arrival(box, token, source), range(3)))
    asset_ids = [arrival.asset_id for arrival in arrivals]
    # playable comes before the ladders have started: the garbage waits until one runs
    waited = time.monotonic()
    running = poll(
        lambda: _running_ladders(box, token, asset_ids),
        lambda count: count >= 1,
        timeout_s=300,
        interval_s=0.1,
        what="the ladders never started",
    )
    print(f"  a ladder was running {time.monotonic() - waited:.1f} s after the last was playable", flush=True)
    rejected = _rejected_arrival(box, token, garbage)
    ladders = [_ladder(_settled_jobs(box, token, asset_id)) for asset_id in asset_ids]
    return AtOnce(arrivals, rejected, running, ladders)


def _one_after_another(box: OneBox, token: str, source: Path) -> tuple[list[Arrival], list[Ladder]]:
    arrivals: list[Arrival] = []
    ladders: list[Ladder] = []
    for _ in range(3):
        arrivals.append(_playable_arrival(box, token, source))
        ladders.append(_ladder(_settled_jobs(box, token, arrivals[-1].asset_id)))
    return arrivals, ladders


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _report_at_once(result: AtOnce) -> None:
    latencies = [arrival.latency_s for arrival in result.arrivals]
    worst = max(latencies)
    print(
        "three at once, upload complete -> playable: " + ", ".join(f"{s:.2f} s" for s in latencies)
        + f"; worst {worst:.2f} s"
        + f" (target <= {PLAYABLE_TARGET_S:.0f} s: {_verdict(worst <= PLAYABLE_TARGET_S)})"
    )  # fmt: skip
    rejected = result.garbage.latency_s
    print(
        f"garbage bytes sent with {result.ladders_running_at_garbage} ladders running: rejected"
        f" {rejected:.2f} s after its upload completed"
        f" (target <= {REJECTED_TARGET_S:.0f} s: {_verdict(rejected <= REJECTED_TARGET_S)})"
    )


def _report_ladders(at_once: AtOnce, arrivals: list[Arrival], one_by_one: list[Ladder]) -> None:
    span = (
        max(ladder.finished_at for ladder in at_once.ladders)
        - min(ladder.started_at for ladder in at_once.ladders)
    ).total_seconds()
    serial = sum(ladder.run_s for ladder in one_by_one)
    ratio = span / serial
    print(
        "one after another, upload complete -> playable: "
        + ", ".join(f"{arrival.latency_s:.2f} s" for arrival in arrivals)
    )
    print(
        "ladders, one after another: " + ", ".join(f"{ladder.run_s:.2f} s" for ladder in one_by_one)
        + f" = {serial:.2f} s; at once: {span:.2f} s from the first start to the last end"
        + f" = {ratio:.2f}x (target <= {LADDER_RATIO_TARGET}x: {_verdict(ratio <= LADDER_RATIO_TARGET)})"
    )  # fmt: skip
    first_upload = min(arrival.completed_at for arrival in at_once.arrivals)
    all_at_once = (max(ladder.last_job_at for ladder in at_once.ladders) - first_upload).total_seconds()
    all_serial = sum(
        (ladder.last_job_at - arrival.completed_at).total_seconds()
        for ladder, arrival in zip(one_by_one, arrivals, strict=True)
    )
    print(
        f"every job (ladder, loudness, subtitles, thumbnails), upload complete -> last job: at once"
        f" {all_at_once:.2f} s, one after another {all_serial:.2f} s = {all_at_once / all_serial:.2f}x"
    )


def _garbage(folder: Path) -> Path:
    path = folder / "garbage.mp4"
    path.write_bytes(random.Random(15).randbytes(4 * 2**20))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopcast-onebox-") as scratch:
        folder = Path(scratch)
        source = make_source(folder, args.seconds)
        port = free_port()
        env = {
            **PRODUCTION_INTERVALS,
            "SHOPCAST_DEV": "1",  # as `make run` sets it: the placeholder secret key is accepted
            "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}",
            # four clients polling every 0.1 s are not the abuse the rate limit is for
            "SHOPCAST_RATE_LIMIT_PER_MINUTE": "1000000",
            "SHOPCAST_RATE_LIMIT_BURST": "100000",
        }
        box = boot_one_box("onebox", env, folder / "stack", port)
        try:
            _run(box, source, _garbage(folder), args.seconds)
        finally:
            box.stop()


def _run(box: OneBox, source: Path, garbage: Path, seconds: int) -> None:
    lanes = "; ".join(
        f"{lane.name}: {','.join(lane.queues)} x{lane.concurrency}"
        + (f" nice {lane.nice}" if lane.nice else "")
        for lane in one_box_lanes(box.stack.settings)
    )
    print(f"source: {seconds} s 1080p30 H.264 8 Mb/s + AAC; `shopcast up` lanes: {lanes}", flush=True)
    token = box.stack.user("bench", "creator")
    sampler = RssSampler(box.process.pid, tree=True, interval_s=1.0)
    started = time.perf_counter()
    at_once = _at_once(box, token, source, garbage)
    _report_at_once(at_once)
    arrivals, one_by_one = _one_after_another(box, token, source)
    _report_ladders(at_once, arrivals, one_by_one)
    peak = sampler.stop() + sampler.baseline
    print(f"peak RSS of `shopcast up` and its children: {peak / 2**20:.0f} MiB; bench took"
          f" {time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
