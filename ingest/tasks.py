"""Ingest's background work: the `probe` job and the expiry of abandoned uploads."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ingest.assets.models import source_key
from ingest.assets.service import mark_probed, mark_refused
from ingest.probe.rejections import InputRejected
from ingest.probe.runner import run_probe
from ingest.uploads.service import expire_uploads
from shopcast.jobs.errors import JobRejected
from shopcast.jobs.models import Job
from shopcast.jobs.registry import Finisher, JobContext, JobKind, register
from shopcast.jobs.scratch import job_scratch
from shopcast.jobs.sweeper import register_periodic
from shopcast.media.source_info import SourceInfo
from shopcast.runtime import Runtime, current_runtime


def probe_asset(ctx: JobContext) -> Finisher:
    """Probe the asset's source; the finisher records `source` and moves the asset to `ready`."""
    runtime = current_runtime()
    assert ctx.asset_id is not None
    source = _probe_stored(runtime, ctx.asset_id)

    def finish(session: Session, job: Job) -> None:
        mark_probed(session, ctx.asset_id or "", source, runtime.settings.job_max_attempts)

    return finish


def _probe_stored(runtime: Runtime, asset_id: str) -> SourceInfo:
    key = source_key(asset_id)
    try:
        local = runtime.store.local_path(key)
        if local is not None:
            return run_probe(local, runtime.settings)
        with job_scratch(runtime.settings) as folder:
            copy = folder / "source"
            runtime.store.download_to(key, copy)
            return run_probe(copy, runtime.settings)
    except InputRejected as rejected:
        raise JobRejected(rejected.code, rejected.message) from rejected


def _refuse_asset(session: Session, job: Job, code: str, message: str) -> None:
    if job.asset_id:
        mark_refused(session, job.asset_id, code, message)


def _expire(runtime: Runtime) -> None:
    expire_uploads(runtime)


register(JobKind(name="probe", queue="probe", handler=probe_asset, on_give_up=_refuse_asset))
register_periodic("expire_uploads", _expire)
