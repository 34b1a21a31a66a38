"""A worker farm on real services: the API and three worker processes, each on its own queue set, on
PostgreSQL + Redis + moto S3. Upload → ladder → subtitles → clip → publication, each job on a worker
of its queue; then a worker killed in the middle of a render, and the render finishing on the other
render worker."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import select

from shopcast.jobs.models import Job
from shopcast.migrations import upgrade
from tests.harness.media import ffmpeg
from tests.harness.polling import first_found
from tests.harness.services import AWS_ENV, free_port, moto_s3, postgres_database, redis_url
from tests.harness.speech import SpeechFactory
from tests.harness.stack import FAST_JOBS_ENV, Stack
from tests.harness.tus import upload
from tests.transcode.outputs import wait_for_ladder

pytestmark = pytest.mark.services

# Two cores: the encoder has one to itself; the other two share the other. Render runs on two groups,
# so a render survives the loss of either.
FARM = {
    "edge": ("probe,publish,webhooks", 0),
    "encoder": ("transcode,render", 1),
    "speech": ("subtitles,render", 0),
}


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data_dir = Path(tmp_path_factory.mktemp("farm"))
    port = free_port()
    with ExitStack() as resources:
        s3 = resources.enter_context(moto_s3())
        env = {
            **os.environ,
            **FAST_JOBS_ENV,
            **AWS_ENV,
            "SHOPCAST_DATA_DIR": str(data_dir),
            "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SHOPCAST_DATABASE_URL": resources.enter_context(postgres_database()),
            "SHOPCAST_BROKER_URL": redis_url(),
            "SHOPCAST_STORAGE_URL": f"s3://{s3.bucket}/farm",
            "SHOPCAST_S3_ENDPOINT_URL": s3.endpoint_url,
            "SHOPCAST_WHISPER_THREADS": "1",
        }
        stack = Stack(name="farm", env=env, base_url=f"http://127.0.0.1:{port}", log_dir=data_dir)
        upgrade(stack.settings)
        try:
            stack.start_api(port)
            for name, (queues, cpu) in FARM.items():
                stack.start_worker(name, queues, concurrency=1, cpu=cpu)
            for name in FARM:
                stack.wait_worker_ready(name)
            yield stack
        finally:
            stack.stop_all()


class PoolMap:
    """Which farm worker owns a job's `worker` (host:pid of a pool process). Pool processes are
    recorded while their worker lives, so a killed worker's jobs are still attributed."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.owner: dict[int, str] = {}

    def record(self) -> None:
        for name, process in self.stack.processes.items():
            if name in FARM and process.poll() is None:
                for child in psutil.Process(process.pid).children(recursive=True):
                    self.owner[child.pid] = name

    def of(self, job: Job) -> str:
        assert job.worker, f"job {job.id} ({job.kind}) never ran"
        return self.owner[int(job.worker.rsplit(":", 1)[1])]


def _jobs(stack: Stack) -> list[Job]:
    with stack.runtime.sessions() as session:
        jobs = list(session.scalars(select(Job).order_by(Job.created_at)))
        session.expunge_all()
    return jobs


def _clip(client: httpx.Client, body: dict[str, Any]) -> str:
    created = client.post("/v1/clips", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _clip_ready(client: httpx.Client, clip_id: str) -> dict[str, Any] | None:
    clip: dict[str, Any] = client.get(f"/v1/clips/{clip_id}").json()
    assert clip["state"] != "failed", clip
    return clip if clip["state"] == "ready" else None


def _delivered(client: httpx.Client, publication_id: str) -> dict[str, Any] | None:
    publication: dict[str, Any] = client.get(f"/v1/publications/{publication_id}").json()
    assert publication["state"] != "failed", publication
    return publication if publication["state"] == "delivered" else None


def _subtitled(client: httpx.Client, asset_id: str) -> dict[str, Any] | None:
    asset: dict[str, Any] = client.get(f"/v1/assets/{asset_id}").json()
    job = next((j for j in asset["jobs"] if j["kind"] == "subtitles"), None)
    assert job is None or job["state"] != "failed", job
    return asset if job is not None and job["state"] == "succeeded" else None


@pytest.fixture(scope="module")
def spoken_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(tmp_path_factory.mktemp("farm-media"))
    speech = SpeechFactory(folder).pitch()
    path = folder / "pitch_720p.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-i", str(speech), "-shortest",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           str(path))  # fmt: skip
    return path


@pytest.fixture(scope="module")
def pools(farm: Stack) -> PoolMap:
    pools = PoolMap(farm)
    pools.record()
    return pools


@pytest.fixture(scope="module")
def asset(farm: Stack, spoken_video: Path) -> tuple[str, dict[str, Any]]:
    """A creator's token and their asset, once its ladder and subtitles are done."""
    token = farm.user("farm-creator", "creator")
    with farm.client(token) as client:
        asset_id = upload(client, spoken_video)
        ladder = wait_for_ladder(client, asset_id, timeout=240)
        assert next(j for j in ladder["jobs"] if j["kind"] == "transcode")["state"] == "succeeded"
        ready = first_found(
            lambda: _subtitled(client, asset_id), timeout_s=300, interval_s=0.5, what="subtitles"
        )
    assert ready["subtitles"], "Whisper wrote a transcript"
    return token, ready


def test_upload_ladder_subtitles_clip_and_publication_each_run_on_a_worker_of_their_queue(
    farm: Stack, pools: PoolMap, asset: tuple[str, dict[str, Any]]
) -> None:
    token, ready = asset
    admin = farm.client(farm.user("farm-admin", "admin"))
    channel = admin.post(
        "/v1/channels",
        json={"name": "farm-overseas", "profile": "overseas", "target": {"type": "pull"}, "partner_ids": []},
    )
    assert channel.status_code == 201, channel.text
    with farm.client(token) as client:
        clip_id = _clip(client, {"asset_id": ready["id"], "ranges": [{"in_s": 1.0, "out_s": 5.0}]})
        first_found(lambda: _clip_ready(client, clip_id), timeout_s=240, interval_s=0.5, what="the clip")
        made = client.post("/v1/publications", json={"clip_id": clip_id, "channel_id": channel.json()["id"]})
        assert made.status_code == 201, made.text
        publication = first_found(
            lambda: _delivered(client, str(made.json()["id"])),
            timeout_s=300,
            interval_s=0.5,
            what="the publication",
        )
    assert publication["receipt"]["sha256"]
    pools.record()
    jobs = [job for job in _jobs(farm) if job.state == "succeeded"]
    kinds = {"probe", "transcode", "subtitles", "render_clip", "render_publication", "deliver_publication"}
    assert kinds <= {job.kind for job in jobs}
    for job in jobs:
        worker = pools.of(job)
        assert job.queue in FARM[worker][0].split(","), f"{job.kind} ran on {worker}"
    assert len({pools.of(job) for job in jobs}) == 3, "every worker took part"


def test_a_render_whose_worker_is_killed_finishes_on_the_other_render_worker(
    farm: Stack, pools: PoolMap, asset: tuple[str, dict[str, Any]]
) -> None:
    token, ready = asset
    # The whole source, vertical, subtitles burnt in: slow enough to be caught in the middle.
    body = {
        "asset_id": ready["id"],
        "ranges": [{"in_s": 0.0, "out_s": float(ready["source"]["duration_s"]) - 0.5}],
        "aspect": "9:16",
        "burn_subtitles": "en",
    }
    with farm.client(token) as client:
        clip_id = _clip(client, body)
        victim_job = first_found(
            lambda: _running_render(farm, clip_id), timeout_s=120, interval_s=0.05, what="the render to start"
        )
        pools.record()
        victim = pools.of(victim_job)
        farm.stop(victim, signal.SIGKILL)
        clip = first_found(
            lambda: _clip_ready(client, clip_id),
            timeout_s=300,
            interval_s=0.5,
            what="the render on the other worker",
        )
    render = next(j for j in _jobs(farm) if j.id == victim_job.id)
    assert render.state == "succeeded"
    assert render.attempts == 2, "the killed attempt counted, the second one finished"
    assert pools.of(render) == ("speech" if victim == "encoder" else "encoder")
    download = httpx.get(clip["download_url"], timeout=60)
    assert download.status_code == 200
    assert len(download.content) > 10_000


def _running_render(stack: Stack, clip_id: str) -> Job | None:
    renders = [
        j for j in _jobs(stack) if j.kind == "render_clip" and (j.params or {}).get("clip_id") == clip_id
    ]
    return next((j for j in renders if j.state == "running" and j.progress < 0.5), None)
