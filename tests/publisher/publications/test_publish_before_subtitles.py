"""Publishing right after an upload: a `vcommerce` publication (it burns in the spoken language) made
the moment the asset is `ready`, while its subtitles job has not run yet, waits for that job instead
of failing with `subtitles_missing`, holding no worker slot meanwhile, and is delivered once the
subtitles exist.

The stack's worker serves every queue but `subtitles`, so the subtitles job is certainly still
queued when the publication is made; a subtitles worker (faster-whisper on CPU) starts only after
the render job has had its turn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from publisher.publications.models import Publication
from shopcast.db import read_snapshot
from shopcast.jobs.models import Job
from tests.harness.polling import poll
from tests.harness.services import free_port
from tests.harness.stack import Stack, boot
from tests.harness.tus import upload, wait_for_state
from tests.publisher.studio import create_channel, speech_source, wait_settled

NO_SUBTITLES = "probe,transcode,render,publish,webhooks"


@pytest.fixture(scope="module")
def early(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = boot("early", {}, tmp_path_factory.mktemp("early"), free_port(), {"worker": (NO_SUBTITLES, 2)})
    try:
        yield running
    finally:
        running.stop_all()


def _render_jobs(stack: Stack, publication_id: str) -> tuple[Publication, list[Job]]:
    """The publication and its render jobs, as one committed state: read apart, a render job could
    be seen finished beside the publication as it was before that job's finishing commit."""
    with stack.runtime.sessions() as session:
        read_snapshot(session)
        publication = session.get(Publication, publication_id)
        assert publication is not None
        jobs = [
            job
            for job in session.scalars(select(Job).where(Job.kind == "render_publication"))
            if (job.params or {}).get("publication_id") == publication_id
        ]
        session.expunge_all()
        return publication, jobs


def _subtitles_state(client: Any, asset_id: str) -> str | None:
    asset = client.get(f"/v1/assets/{asset_id}").json()
    return next((job["state"] for job in asset["jobs"] if job["kind"] == "subtitles"), None)


def test_a_publication_made_before_the_subtitles_exist_waits_and_is_delivered(
    early: Stack, tmp_path: Path
) -> None:
    admin, creator = early.user("early-admin", "admin"), early.user("early-creator", "creator")
    with early.client(admin) as client:
        channel = create_channel(client, "early-vertical", "vcommerce", {"type": "pull"}, [])
    with early.client(creator) as client:
        asset_id = upload(client, speech_source(tmp_path))
        wait_for_state(client, asset_id, {"ready"}, timeout=120)
        assert _subtitles_state(client, asset_id) == "queued", "the race this test is about"
        answer = client.post("/v1/publications", json={"asset_id": asset_id, "channel_id": channel["id"]})
        assert answer.status_code == 201, answer.text
        publication_id = answer.json()["id"]

        # The render job runs while the subtitles job is still queued; before the fix it rendered and
        # failed the publication with `subtitles_missing`.
        publication, jobs = poll(
            lambda: _render_jobs(early, publication_id),
            lambda found: (
                found[0].state.value == "failed" or any(j.state.value == "succeeded" for j in found[1])
            ),
            timeout_s=120,
            interval_s=0.2,
            what=lambda found: f"the render job never ran: {found[1]}",
        )
        assert publication.state.value == "queued", (publication.error_code, publication.violations)
        assert publication.render_job_id is None, "waiting without a render job holding a worker"
        assert client.get(f"/v1/publications/{publication_id}").json()["state"] == "queued"

        early.start_worker("subtitler", "subtitles", 1)
        early.wait_worker_ready("subtitler")
        done = wait_settled(client, publication_id, timeout=600)
        assert _subtitles_state(client, asset_id) == "succeeded"
    assert done["state"] == "delivered", done
    assert done["violations"] == []
    assert done["receipt"]["key"].endswith(f"{asset_id}.mp4")
    _, jobs = _render_jobs(early, publication_id)
    assert len(jobs) == 2, "one render job that waited, one that rendered"
