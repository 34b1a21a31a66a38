"""Publications whose render waits for the asset's subtitles job.

An asset is `ready` once probed, while its subtitles are still being transcribed; a publication made
in between would render without them (a profile that burns the spoken language then fails with
`subtitles_missing`, and partners get no sidecars), so the outcome would depend on timing. Instead
the render job, finding the asset's `subtitles` job still queued or running, gives its place back
without rendering: the publication stays `queued` with no render job, holding no worker slot (a
worker on every queue must stay free to run the very subtitles job it waits for). Every sweep
(`resume_waiting_renders`, a periodic of the job sweeper) queues a new render for each publication
whose subtitles job has ended; a failed one then fails the publication as before, and a source
without audio never had a subtitles job to wait for. A publication still waiting
`publication_subtitles_wait_s` after it was made (no worker serves the subtitles queue, say) fails
with `subtitles_timeout` instead of waiting for ever.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from publisher.publications.models import Publication, PublicationState
from publisher.publications.service import RENDER_KIND, fail_publication
from shopcast.db import rows_affected, transaction, utcnow
from shopcast.jobs.models import Job, JobState
from shopcast.jobs.service import create_job
from shopcast.runtime import Runtime
from shopcast.settings import Settings

__all__ = ["defer_render", "render_waits", "resume_waiting_renders"]

SUBTITLES_KIND = "subtitles"
_PENDING = (JobState.queued, JobState.running)


def _subtitles_pending(session: Session, asset_id: str) -> bool:
    pending = select(Job.id).where(
        Job.kind == SUBTITLES_KIND, Job.asset_id == asset_id, Job.state.in_(_PENDING)
    )
    return session.scalar(pending.limit(1)) is not None


def render_waits(session: Session, publication_id: str) -> bool:
    """Whether the queued publication's asset still has a subtitles job to finish."""
    publication = session.get(Publication, publication_id)
    if publication is None or publication.state is not PublicationState.queued:
        return False
    return _subtitles_pending(session, publication.asset_id)


def defer_render(session: Session, publication_id: str, job_id: str) -> None:
    """In the finishing transaction of the render job that waited: the publication keeps waiting,
    queued with no render job, for `resume_waiting_renders` to pick up."""
    session.execute(
        update(Publication)
        .where(Publication.id == publication_id, Publication.render_job_id == job_id)
        .where(Publication.state == PublicationState.queued)
        .values(render_job_id=None)
    )


def resume_waiting_renders(runtime: Runtime) -> None:
    """Queue a render for every waiting publication whose asset's subtitles job has ended; fail
    those that have waited too long."""
    waited_since = utcnow() - timedelta(seconds=runtime.settings.publication_subtitles_wait_s)
    with transaction(runtime.sessions) as session:
        waiting = session.execute(
            select(Publication.id, Publication.asset_id, Publication.created_at).where(
                Publication.state == PublicationState.queued, Publication.render_job_id.is_(None)
            )
        ).all()
        ready = [(row.id, row.asset_id) for row in waiting if not _subtitles_pending(session, row.asset_id)]
        ready_ids = {publication_id for publication_id, _ in ready}
        for row in waiting:
            if row.id not in ready_ids and row.created_at < waited_since:
                _give_up(session, runtime.settings, row.id)
    for publication_id, asset_id in ready:
        with transaction(runtime.sessions) as session:
            _queue_waiting_render(session, runtime.settings, publication_id, asset_id)


def _give_up(session: Session, settings: Settings, publication_id: str) -> None:
    waited = settings.publication_subtitles_wait_s
    fail_publication(
        session,
        publication_id,
        "subtitles_timeout",
        f"the asset's subtitles did not finish within {waited:g} s of publishing; publish again later",
    )


def _queue_waiting_render(session: Session, settings: Settings, publication_id: str, asset_id: str) -> None:
    # The insert comes first, so on SQLite this transaction holds the write lock before it reads.
    job = create_job(
        session,
        RENDER_KIND,
        asset_id=asset_id,
        max_attempts=settings.job_max_attempts,
        params={"publication_id": publication_id},
    )
    # Every worker sweeps: only the one whose compare-and-set wins queues the render.
    taken = session.execute(
        update(Publication)
        .where(Publication.id == publication_id, Publication.render_job_id.is_(None))
        .where(Publication.state == PublicationState.queued)
        .values(render_job_id=job.id)
    )
    if rows_affected(taken) != 1:
        session.rollback()
