"""SIGTERM to a worker (what Kubernetes sends, to the main process only): the running job finishes on
that worker before it exits, and what it had not started waits for the next worker."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from shopcast.jobs.models import Job
from shopcast.migrations import upgrade
from tests.harness.media import MediaFactory
from tests.harness.polling import poll
from tests.harness.prometheus import scrape, value
from tests.harness.services import free_port
from tests.harness.stack import FAST_JOBS_ENV, Stack
from tests.harness.tus import upload

QUEUES = "probe,transcode,render,publish,webhooks"  # no subtitles: Whisper on a tone proves nothing here


@pytest.fixture
def solo_stack(tmp_path: Path) -> Iterator[Stack]:
    port = free_port()
    env = {
        **os.environ,
        **FAST_JOBS_ENV,
        "SHOPCAST_DATA_DIR": str(tmp_path),
        "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    stack = Stack(name="graceful", env=env, base_url=f"http://127.0.0.1:{port}", log_dir=tmp_path)
    upgrade(stack.settings)
    try:
        stack.start_api(port)
        yield stack
    finally:
        stack.stop_all()


def _jobs(stack: Stack, asset_id: str) -> dict[str, Job]:
    with stack.runtime.sessions() as session:
        jobs = {job.kind: job for job in session.scalars(select(Job).where(Job.asset_id == asset_id))}
        session.expunge_all()
    return jobs


def _until(
    stack: Stack, asset_id: str, done: Callable[[dict[str, Job]], bool], timeout: float
) -> dict[str, Job]:
    return poll(
        lambda: _jobs(stack, asset_id),
        done,
        timeout_s=timeout,
        interval_s=0.2,
        what=lambda jobs: f"timed out: { {k: (j.state, j.progress) for k, j in jobs.items()} }",
    )


def test_sigterm_lets_the_running_transcode_finish_on_the_same_worker(
    solo_stack: Stack, media: MediaFactory
) -> None:
    solo_stack.start_worker("solo", QUEUES, concurrency=1)
    solo_stack.wait_worker_ready("solo")
    with solo_stack.client(solo_stack.user("graceful", "creator")) as client:
        asset_id = upload(client, media.h264_aac_1080p30(seconds=12))

    def mid_transcode(jobs: dict[str, Job]) -> bool:
        job = jobs.get("transcode")
        return job is not None and job.state == "running" and 0.05 < job.progress < 0.6 and bool(job.speed)

    running = _until(solo_stack, asset_id, mid_transcode, 120)["transcode"]
    metrics = scrape(f"{solo_stack.base_url}/metrics")
    assert value(metrics, "shopcast_queue_running", queue="transcode") == 1
    assert value(metrics, "shopcast_running_job_speed_ratio", kind="transcode") > 0
    worker = solo_stack.processes["solo"]
    os.kill(worker.pid, signal.SIGTERM)  # the main process alone, as tini or the kubelet would
    assert worker.wait(timeout=180) == 0, solo_stack.log_tail("solo")
    after = _jobs(solo_stack, asset_id)
    transcode = after["transcode"]
    assert transcode.state == "succeeded", transcode.error_message
    assert transcode.attempts == 1, "finished, not interrupted and run again"
    assert transcode.worker == running.worker
    assert all(job.state != "failed" for job in after.values())
    waiting = [kind for kind, job in after.items() if job.state == "queued" and kind != "subtitles"]
    assert waiting, "the worker had jobs it never started (thumbnails, loudness)"

    solo_stack.processes.pop("solo")
    solo_stack.start_worker("solo-2", QUEUES, concurrency=1)
    finished = _until(
        solo_stack,
        asset_id,
        lambda jobs: all(j.state == "succeeded" for k, j in jobs.items() if k != "subtitles"),
        120,
    )
    for kind in waiting:
        assert finished[kind].attempts == 1, f"{kind} waited for the next worker instead of failing"
