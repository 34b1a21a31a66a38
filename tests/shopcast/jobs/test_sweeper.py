"""The job row decides what runs: a job whose worker died is re-run once, a poison job fails once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from sqlalchemy import update

from shopcast.db import transaction, utcnow
from shopcast.jobs.models import Job, JobState
from tests.harness.events import event_count
from tests.harness.media import MediaFactory
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state


def _abandon_probe(stack: Stack, asset_id: str, attempts: int) -> None:
    """Make the asset's probe look claimed by a worker that died a minute ago."""
    with transaction(stack.runtime.sessions) as session:
        session.execute(
            update(Job)
            .where(Job.asset_id == asset_id, Job.kind == "probe")
            .values(
                state=JobState.running,
                attempts=attempts,
                claim_token="deadbeef",
                worker="killed-worker",
                heartbeat_at=utcnow() - timedelta(minutes=1),
                started_at=utcnow() - timedelta(minutes=1),
            )
        )


def _asset_after_its_worker_died(
    stack: Stack, name: str, media: MediaFactory, attempts: int
) -> dict[str, Any]:
    """Upload while no worker runs, leave the probe claimed by a dead worker, then start a worker."""
    with stack.client(stack.user(f"{name}-{stack.name}", "creator")) as client:
        stack.stop_workers()
        try:
            asset_id = upload(client, media.vp9_webm_silent())
            _abandon_probe(stack, asset_id, attempts=attempts)
        finally:
            stack.start_workers()
        return wait_for_state(client, asset_id, {"ready", "failed", "rejected"}, timeout=40)


def test_job_of_a_dead_worker_is_rerun_exactly_once(stack: Stack, media: MediaFactory) -> None:
    asset = _asset_after_its_worker_died(stack, "sweep", media, attempts=1)
    asset_id = asset["id"]
    assert asset["state"] == "ready"
    assert [(j["state"], j["attempts"]) for j in asset["jobs"] if j["kind"] == "probe"] == [("succeeded", 2)]
    assert event_count(stack, asset_id, "asset.ready") == 1


def test_job_out_of_attempts_fails_its_asset_once(stack: Stack, media: MediaFactory) -> None:
    asset = _asset_after_its_worker_died(stack, "poison", media, attempts=3)
    asset_id = asset["id"]
    assert asset["state"] == "failed"
    assert asset["error"]["code"] == "worker_lost"
    assert [(j["state"], j["attempts"]) for j in asset["jobs"] if j["kind"] == "probe"] == [("failed", 3)]
    assert event_count(stack, asset_id, "asset.failed") == 1
    assert event_count(stack, asset_id, "asset.ready") == 0


def _lose_broker_messages(stack: Stack) -> int:
    """Throw away every message waiting on the probe queue, as a crash or a flushed broker would."""
    broker = stack.settings.effective_broker_url
    if broker.startswith("filesystem"):
        messages = list(stack.settings.broker_dir.glob("*.probe.msg"))
        for message in messages:
            message.unlink()
        return len(messages)
    client = redis.Redis.from_url(broker)
    lost = 0
    for key in client.scan_iter("probe*"):
        lost += int(client.llen(key)) if client.type(key) == b"list" else 0
        client.delete(key)
    return lost


def test_job_whose_message_was_lost_is_sent_again(stack: Stack, media: MediaFactory) -> None:
    with stack.client(stack.user(f"lost-{stack.name}", "creator")) as client:
        stack.stop_workers()
        try:
            asset_id = upload(client, media.vp9_webm_silent())
            assert _lose_broker_messages(stack) >= 1
        finally:
            stack.start_workers()
        asset = wait_for_state(client, asset_id, {"ready", "failed", "rejected"}, timeout=40)
    assert asset["state"] == "ready"
    assert [(j["state"], j["attempts"]) for j in asset["jobs"] if j["kind"] == "probe"] == [("succeeded", 1)]
    assert event_count(stack, asset_id, "asset.ready") == 1
