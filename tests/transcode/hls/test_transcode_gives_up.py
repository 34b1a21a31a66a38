"""A transcode that runs out of attempts fails its asset once, with `asset.failed`, not silence."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from shopcast.db import transaction, utcnow
from shopcast.jobs.models import Job, JobState
from tests.harness.events import event_count
from tests.harness.media import MediaFactory
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state


def test_a_transcode_out_of_attempts_fails_its_asset_once(stack: Stack, media: MediaFactory) -> None:
    with stack.client(stack.user(f"ladder-poison-{stack.name}", "creator")) as client:
        stack.stop_workers()
        try:
            stack.start_worker("prober", "probe", 1)  # the probe runs; the transcode waits
            stack.wait_worker_ready("prober")
            asset_id = upload(client, media.vp9_webm_silent())
            assert wait_for_state(client, asset_id, {"ready"}, timeout=40)["state"] == "ready"
            with transaction(stack.runtime.sessions) as session:
                session.execute(
                    update(Job)
                    .where(Job.asset_id == asset_id, Job.kind == "transcode")
                    .values(
                        state=JobState.running,
                        attempts=3,
                        claim_token="deadbeef",
                        worker="killed-worker",
                        heartbeat_at=utcnow() - timedelta(minutes=1),
                        started_at=utcnow() - timedelta(minutes=1),
                    )
                )
        finally:
            stack.stop_workers()
            stack.start_workers()
        asset = wait_for_state(client, asset_id, {"failed"}, timeout=40)
    assert asset["error"]["code"] == "worker_lost"
    assert [(j["state"], j["attempts"]) for j in asset["jobs"] if j["kind"] == "transcode"] == [("failed", 3)]
    assert event_count(stack, asset_id, "asset.failed") == 1
    assert event_count(stack, asset_id, "renditions.ready") == 0
