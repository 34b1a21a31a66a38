"""The transcode job: a ready asset's HLS ladder."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ingest.assets_service import record_loudness
from shopcast.jobs.models import Job
from shopcast.jobs.registry import Finisher, JobContext, JobKind, register
from shopcast.runtime import current_runtime
from transcode.service import encode_ladder, measure_asset_loudness, publish


def transcode_asset(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    ladder = encode_ladder(current_runtime(), ctx.asset_id, ctx.job_id, ctx.report_progress)

    def finish(session: Session, job: Job) -> None:
        if ladder is not None and job.asset_id is not None:
            publish(session, job.asset_id, ladder)

    return finish


def measure_loudness(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    loudness = measure_asset_loudness(current_runtime(), ctx.asset_id)

    def finish(session: Session, job: Job) -> None:
        if loudness is not None and job.asset_id is not None:
            record_loudness(session, job.asset_id, loudness.to_json())

    return finish


register(JobKind(name="transcode", queue="transcode", handler=transcode_asset))
register(JobKind(name="loudness", queue="transcode", handler=measure_loudness))
