"""The transcode job: a ready asset's HLS ladder."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ingest.assets_service import record_loudness
from shopcast.jobs.models import Job
from shopcast.jobs.registry import Finisher, JobContext, JobKind, register
from shopcast.runtime import current_runtime
from transcode.service import encode_ladder, measure_asset_loudness, publish, publish_preview, remux_preview


def transcode_asset(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    runtime = current_runtime()
    ladder = encode_ladder(runtime, ctx.asset_id, ctx.job_id, ctx.report_progress)

    def finish(session: Session, job: Job) -> None:
        if ladder is None or job.asset_id is None:
            return
        replaced = publish(session, job.asset_id, ladder)
        if replaced is not None:
            ctx.on_committed.append(lambda: runtime.store.delete_prefix(replaced + "/"))

    return finish


def measure_loudness(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    loudness = measure_asset_loudness(current_runtime(), ctx.asset_id)

    def finish(session: Session, job: Job) -> None:
        if loudness is not None and job.asset_id is not None:
            record_loudness(session, job.asset_id, loudness.to_json())

    return finish


def preview_asset(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    ladder = remux_preview(current_runtime(), ctx.asset_id, ctx.job_id)

    def finish(session: Session, job: Job) -> None:
        if ladder is not None and job.asset_id is not None:
            publish_preview(session, job.asset_id, ladder)

    return finish


register(JobKind(name="preview", queue="probe", handler=preview_asset))
register(JobKind(name="transcode", queue="transcode", handler=transcode_asset))
register(JobKind(name="loudness", queue="transcode", handler=measure_loudness))
