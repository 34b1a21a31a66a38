"""The publisher's jobs: `render_publication` (conform and check), `deliver_publication` (push) and
`publish_highlight` (an accepted highlight's short to the channels that take them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from publisher.delivery.targets import deliver_files
from publisher.publications.auto import AUTO_KIND, publish_to_highlight_channels, queue_auto_publication
from publisher.publications.render import render_publication_outputs
from publisher.publications.service import (
    DELIVER_KIND,
    RENDER_KIND,
    fail_publication,
    record_delivery,
    record_render,
    start_delivery,
    start_render,
)
from publisher.publications.waiting import defer_render, render_waits, resume_waiting_renders
from shopcast.db import transaction
from shopcast.jobs.models import Job
from shopcast.jobs.registry import Finisher, JobContext, JobKind, register
from shopcast.jobs.sweeper import register_periodic
from shopcast.runtime import current_runtime
from transcode import set_short_listener


def render_publication(ctx: JobContext) -> Finisher:
    """Conform the clip to the channel's profile; the finisher queues the delivery, or fails the
    publication with the violations the check found. While the asset's subtitles job has not ended,
    it renders nothing and the publication waits (publisher/publications/waiting.py)."""
    runtime = current_runtime()
    publication_id = str(ctx.params["publication_id"])
    with transaction(runtime.sessions) as session:
        if render_waits(session, publication_id):
            return lambda finishing, _job: defer_render(finishing, publication_id, ctx.job_id)
        plan = start_render(session, publication_id)
    if plan is None:
        return lambda _session, _job: None
    rendered = render_publication_outputs(runtime, plan, ctx.job_id, ctx.report_progress)

    def finish(session: Session, _job: Job) -> None:
        stale = record_render(session, runtime.settings, publication_id, rendered)
        ctx.delete_after_commit(runtime.store, stale)

    return finish


def deliver_publication(ctx: JobContext) -> Finisher:
    """Deliver the conformed files; the finisher stores the receipt and emits publication.delivered."""
    runtime = current_runtime()
    publication_id = str(ctx.params["publication_id"])
    with transaction(runtime.sessions) as session:
        plan = start_delivery(session, runtime.settings, publication_id)
    if plan is None:
        return lambda _session, _job: None
    receipt = deliver_files(runtime, plan)

    def finish(session: Session, _job: Job) -> None:
        record_delivery(session, publication_id, receipt)

    return finish


def publish_highlight(ctx: JobContext) -> Finisher:
    """Publish an accepted highlight's short to every channel that takes highlights."""
    made = publish_to_highlight_channels(
        current_runtime(), str(ctx.params["clip_id"]), str(ctx.params["user_id"])
    )

    def finish(_session: Session, job: Job) -> None:
        job.result = {"publications": made}

    return finish


def _given_up(session: Session, job: Job, code: str, message: str) -> None:
    publication_id = str((job.params or {}).get("publication_id", ""))
    if publication_id:
        fail_publication(session, publication_id, code, message)


register(JobKind(name=RENDER_KIND, queue="render", handler=render_publication, on_give_up=_given_up))
register(JobKind(name=DELIVER_KIND, queue="publish", handler=deliver_publication, on_give_up=_given_up))
register(JobKind(name=AUTO_KIND, queue="publish", handler=publish_highlight))
register_periodic("resume_waiting_publications", resume_waiting_renders)
set_short_listener(queue_auto_publication)
