"""The transcode domain's jobs: ladders, preview, loudness, thumbnails, subtitles, highlights, clips."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ingest import mark_refused, record_loudness, source_of
from shopcast.db import transaction
from shopcast.jobs.models import Job
from shopcast.jobs.registry import Finisher, JobContext, JobKind, register
from shopcast.jobs.sweeper import register_periodic
from shopcast.runtime import current_runtime
from transcode.clips.render import render_clip_outputs
from transcode.clips.service import fail_clip, publish_clip, render_prefix, start_render
from transcode.highlights.service import (
    HIGHLIGHTS_KIND,
    propose_for_asset,
    publish_highlights,
    queue_highlights,
    short_ready,
)
from transcode.hls.service import (
    encode_ladder,
    make_preview,
    measure_asset_loudness,
    publish,
    publish_preview,
)
from transcode.hls.split import encode_chunk, encode_split_ladder
from transcode.subtitles.retention import sweep_leftovers
from transcode.subtitles.retranslation import RETRANSLATE_KIND, publish_retranslation, retranslate
from transcode.subtitles.service import publish_subtitles, transcribe_asset
from transcode.thumbnails.service import publish_thumbnails, render_thumbnails


def transcode_asset(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    runtime = current_runtime()
    with runtime.sessions() as session:
        found = source_of(session, ctx.asset_id)
    if found is not None and float(found[1].duration_s) > runtime.settings.split_above_s:
        ladder = encode_split_ladder(runtime, ctx, found[1])
    else:
        ladder = encode_ladder(runtime, ctx.asset_id, ctx.job_id, ctx.report_progress)

    def finish(session: Session, job: Job) -> None:
        if ladder is None or job.asset_id is None:
            return
        ctx.delete_after_commit(runtime.store, publish(session, job.asset_id, ladder))

    return finish


def transcode_chunk(ctx: JobContext) -> Finisher:
    """One chunk of a split transcode; its result tells the transcode job what it wrote."""
    result = encode_chunk(current_runtime(), ctx)

    def finish(_session: Session, job: Job) -> None:
        job.result = result

    return finish


def measure_loudness(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    loudness = measure_asset_loudness(current_runtime(), ctx.asset_id)

    def finish(session: Session, job: Job) -> None:
        if loudness is not None and job.asset_id is not None:
            record_loudness(session, job.asset_id, loudness)

    return finish


def preview_asset(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    ladder = make_preview(current_runtime(), ctx.asset_id, ctx.job_id)

    def finish(session: Session, job: Job) -> None:
        if ladder is not None and job.asset_id is not None:
            publish_preview(session, job.asset_id, ladder)

    return finish


def subtitle_asset(ctx: JobContext) -> Finisher:
    """Whisper's transcript in the spoken language and its English translation, as cue files."""
    assert ctx.asset_id is not None
    runtime = current_runtime()
    subtitles = transcribe_asset(runtime, ctx.asset_id, ctx.job_id, ctx.report_progress)

    def finish(session: Session, job: Job) -> None:
        if subtitles is None or job.asset_id is None:
            return
        publish_subtitles(session, runtime, job.asset_id, subtitles)
        queue_highlights(session, job.asset_id, runtime.settings.job_max_attempts)

    return finish


def translate_subtitles(ctx: JobContext) -> Finisher:
    """A PD's corrected transcript through the text translator, as the English track."""
    assert ctx.asset_id is not None
    runtime = current_runtime()
    translated = retranslate(runtime, ctx.asset_id, ctx.job_id, ctx.params)

    def finish(session: Session, job: Job) -> None:
        if translated is not None and job.asset_id is not None:
            publish_retranslation(session, runtime, job.asset_id, translated)

    return finish


def propose_highlights(ctx: JobContext) -> Finisher:
    """Highlight proposals from the transcript, the product timeline, shot changes and loudness."""
    assert ctx.asset_id is not None
    runtime = current_runtime()
    proposals = propose_for_asset(runtime, ctx.asset_id, ctx.report_progress)

    def finish(session: Session, job: Job) -> None:
        if proposals is None or job.asset_id is None or source_of(session, job.asset_id) is None:
            return
        publish_highlights(session, job.asset_id, proposals, runtime.settings.job_max_attempts)

    return finish


def thumbnail_asset(ctx: JobContext) -> Finisher:
    assert ctx.asset_id is not None
    runtime = current_runtime()
    thumbnails = render_thumbnails(runtime, ctx.asset_id, ctx.job_id, ctx.report_progress)

    def finish(session: Session, job: Job) -> None:
        if thumbnails is None or job.asset_id is None:
            return
        ctx.delete_after_commit(runtime.store, publish_thumbnails(session, job.asset_id, thumbnails))

    return finish


def render_clip(ctx: JobContext) -> Finisher:
    """A clip's MP4 master and HLS ladder; the finisher makes them the clip's and emits clip.ready."""
    runtime = current_runtime()
    clip_id = str(ctx.params["clip_id"])
    with transaction(runtime.sessions) as session:
        plan = start_render(session, clip_id)
    if plan is None:
        return lambda _session, _job: None
    rendered = render_clip_outputs(runtime, plan, ctx.job_id, ctx.report_progress)

    def finish(session: Session, _job: Job) -> None:
        ctx.delete_after_commit(runtime.store, publish_clip(session, clip_id, rendered))
        short_ready(session, clip_id)

    return finish


def _clip_given_up(session: Session, job: Job, code: str, message: str) -> None:
    clip_id = str((job.params or {}).get("clip_id", ""))
    if clip_id and job.asset_id:
        fail_clip(session, clip_id, code, message)
        # Nothing points at a failed render's files: an attempt may have uploaded some.
        current_runtime().store.delete_prefix(render_prefix(job.asset_id, clip_id, job.id) + "/")


def _ladder_given_up(session: Session, job: Job, code: str, message: str) -> None:
    """No ladder after every attempt: the asset is `failed` (or `rejected`, for a source that turned
    out unreadable) and says why, with `asset.failed`, so nobody waits for `renditions.ready`."""
    if job.asset_id:
        mark_refused(session, job.asset_id, code, message)


register(JobKind(name="preview", queue="probe", handler=preview_asset))
register(JobKind(name="transcode", queue="transcode", handler=transcode_asset, on_give_up=_ladder_given_up))
register(JobKind(name="transcode_chunk", queue="transcode", handler=transcode_chunk))
register(JobKind(name="loudness", queue="transcode", handler=measure_loudness))
register(JobKind(name="thumbnails", queue="transcode", handler=thumbnail_asset))
register(JobKind(name="subtitles", queue="subtitles", handler=subtitle_asset))
register(JobKind(name=RETRANSLATE_KIND, queue="subtitles", handler=translate_subtitles))
register(JobKind(name=HIGHLIGHTS_KIND, queue="subtitles", handler=propose_highlights))
register(JobKind(name="render_clip", queue="render", handler=render_clip, on_give_up=_clip_given_up))
register_periodic("subtitle_leftovers", sweep_leftovers)
