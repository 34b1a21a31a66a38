"""A publication waiting for its asset's subtitles job does not wait for ever: once it has waited
`publication_subtitles_wait_s`, a sweep fails it with `subtitles_timeout` and says so in an event;
a younger one keeps waiting. Rows in a database of its own: no worker may run the subtitles job."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from ingest.assets.models import Asset, AssetState
from publisher.channels.models import Channel, TargetType
from publisher.publications.models import Publication, PublicationState
from publisher.publications.waiting import resume_waiting_renders
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction, utcnow
from shopcast.events.models import Event
from shopcast.jobs.models import Job, JobState
from shopcast.migrations import upgrade
from shopcast.runtime import build_runtime
from shopcast.settings import Settings

WAIT_S = 600.0


def _channel(name: str) -> Channel:
    return Channel(name=name, profile_name="vcommerce", profile={}, target_type=TargetType.pull, target={})


def test_a_publication_that_waited_too_long_for_subtitles_fails(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, publication_subtitles_wait_s=WAIT_S)
    upgrade(settings)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        owner, _token = create_user(session, "waiting-creator", Role.creator)
        asset = Asset(owner_id=owner.id, state=AssetState.ready, size_bytes=1)
        shops = [_channel(name) for name in ("waiting-shop", "waiting-mall")]
        session.add_all([asset, *shops])
        session.flush()
        session.add(Job(kind="subtitles", queue="subtitles", asset_id=asset.id, state=JobState.queued))
        old, young = (
            Publication(channel_id=shop.id, owner_id=owner.id, asset_id=asset.id, created_at=utcnow() - age)
            for shop, age in zip(
                shops, (timedelta(seconds=WAIT_S + 5), timedelta(seconds=WAIT_S - 60)), strict=True
            )
        )
        session.add_all([old, young])

    resume_waiting_renders(runtime)

    with runtime.sessions() as session:
        gave_up = session.get(Publication, old.id)
        still = session.get(Publication, young.id)
        events = session.scalars(select(Event.type).where(Event.subject_id == old.id)).all()
    assert gave_up is not None
    assert still is not None
    assert gave_up.state is PublicationState.failed
    assert gave_up.error_code == "subtitles_timeout"
    assert "600 s" in (gave_up.error_message or "")
    assert events == ["publication.failed"]
    assert still.state is PublicationState.queued
    assert still.render_job_id is None
    runtime.engine.dispose()
