"""Split and stitch: a long source's ladder encoded as chunks by several workers at once.

The transcode job plans the chunks and creates a `transcode_chunk` job for each, which any worker
on the transcode queue may claim. The transcode job's own worker claims chunks too (by the same
compare-and-set, so each runs once) and, once none is left to claim, waits for the others. Then it
encodes the audio once, as a rendition of its own, and writes the joined playlists and the master.
A worker killed mid-chunk leaves a stale chunk that the sweeper re-queues like any job; a
transcode job re-run after its worker died finds its chunks and reuses the finished ones.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest import source_of
from shopcast.db import transaction
from shopcast.jobs.errors import JobRejected
from shopcast.jobs.execution import execute
from shopcast.jobs.models import Job, JobState
from shopcast.jobs.registry import JobContext, ProgressReport
from shopcast.jobs.scratch import job_scratch
from shopcast.jobs.service import create_job
from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.media.source_info import SourceInfo
from shopcast.runtime import Runtime
from transcode.hls.command import AUDIO_RENDITION, LadderJob, Window, build_hls_audio, build_hls_ladder
from transcode.hls.ladder import choose_rungs, output_fps
from transcode.hls.master import AudioRendition, Variant, audio_rendition, ffmpeg_codecs, render_master
from transcode.hls.service import Ladder, asset_gone_checker, rendition, upload_tree
from transcode.hls.stitch import ChunkRung, bandwidth, describe_chunk_rung, plan_windows, stitched_playlist
from transcode.local_source import local_source

_POLL_S = 0.5


def encode_split_ladder(runtime: Runtime, ctx: JobContext, source: SourceInfo) -> Ladder | None:
    """Run as the transcode job: chunks everywhere, then the join. None when the asset is gone."""
    assert ctx.asset_id is not None
    prefix = f"assets/{ctx.asset_id}/hls/{ctx.job_id}"
    fps = output_fps(float(source.fps))
    windows = plan_windows(float(source.duration_s), runtime.settings.chunk_s, fps)
    chunk_ids = _chunk_jobs(runtime, ctx, windows, prefix)
    # Seconds of work, done while other workers start on the chunks.
    audio = _encode_audio(runtime, ctx.asset_id, prefix, windows[0]) if source.audio_codec else None
    results = _run_chunks(runtime, ctx, chunk_ids)
    if results is None:
        return None
    rungs = choose_rungs(int(source.width), int(source.height))
    variants = []
    for rung in rungs:
        chunks = [ChunkRung.from_json(result[rung.name]) for result in results]
        runtime.store.put_bytes(
            f"{prefix}/{rung.name}/index.m3u8",
            stitched_playlist(chunks).encode(),
            "application/vnd.apple.mpegurl",
        )
        peak, average, duration = bandwidth(chunks)
        variants.append(Variant(rung, fps, chunks[0].codecs, peak, average, duration))
    master = render_master(variants, audio)
    runtime.store.put_bytes(f"{prefix}/master.m3u8", master.encode(), "application/vnd.apple.mpegurl")
    return Ladder(prefix=prefix, renditions=[rendition(v) for v in variants])


def encode_chunk(runtime: Runtime, ctx: JobContext) -> dict[str, Any] | None:
    """Run as a `transcode_chunk` job: one window of the source through every rung, uploaded."""
    assert ctx.asset_id is not None
    params = ctx.params
    window = Window(
        index=int(params["index"]),
        start_s=float(params["start_s"]),
        duration_s=float(params["duration_s"]),
        lead_s=float(params["lead_s"]),
    )
    with runtime.sessions() as session:
        found = source_of(session, ctx.asset_id)
    if found is None:
        return None
    source = found[1]
    rungs = choose_rungs(int(source.width), int(source.height))
    with job_scratch(runtime.settings) as folder:
        output = folder / "hls"
        job = LadderJob(
            source=local_source(runtime, ctx.asset_id, folder),
            output_dir=output,
            rungs=rungs,
            fps=output_fps(float(source.fps)),
            interlaced=bool(source.interlaced),
            has_audio=False,
            preset=runtime.settings.x264_preset,
        )
        length = min(window.duration_s, float(source.duration_s) - window.start_s)
        run_ffmpeg(
            build_hls_ladder(job, window),
            timeout_s=runtime.settings.ladder_time_limit.for_media(length),
            duration_s=length,
            on_progress=lambda progress: ctx.report_progress(progress.fraction, progress.speed),
            cancelled=asset_gone_checker(runtime, ctx.asset_id),
        )
        codecs = ffmpeg_codecs(output, f"{window.label}_master.m3u8")
        described = {
            rung.name: describe_chunk_rung(
                output / rung.name, window.label, codecs.get(rung.name, "avc1.640028")
            )
            for rung in rungs
        }
        for rung in rungs:
            (output / rung.name / f"{window.label}.m3u8").unlink()
        (output / f"{window.label}_master.m3u8").unlink()
        upload_tree(runtime, output, str(params["prefix"]))
    return {name: chunk.to_json() for name, chunk in described.items()}


def _chunk_jobs(runtime: Runtime, ctx: JobContext, windows: list[Window], prefix: str) -> list[str]:
    """The chunk jobs of this transcode job, created on its first attempt and found on later ones."""
    with transaction(runtime.sessions) as session:
        existing = _children(session, ctx.job_id)
        if existing:
            return [job.id for job in existing]
        created = [
            create_job(
                session,
                "transcode_chunk",
                asset_id=ctx.asset_id,
                max_attempts=runtime.settings.job_max_attempts,
                params={
                    "index": w.index,
                    "start_s": w.start_s,
                    "duration_s": w.duration_s,
                    "lead_s": w.lead_s,
                    "prefix": prefix,
                },
                parent_id=ctx.job_id,
            )
            for w in windows
        ]
        return [job.id for job in created]


def _children(session: Session, parent_id: str) -> list[Job]:
    jobs = session.scalars(select(Job).where(Job.parent_id == parent_id))
    return sorted(jobs, key=lambda job: int((job.params or {})["index"]))


def _run_chunks(runtime: Runtime, ctx: JobContext, chunk_ids: list[str]) -> list[dict[str, Any]] | None:
    """Claim and encode chunks until none is left queued, then wait for the rest; their results in
    order, or None when the asset (and with it every chunk job) was deleted."""
    while True:
        with runtime.sessions() as session:
            chunks = _children(session, ctx.job_id)
        if len(chunks) != len(chunk_ids):
            return None
        failed = [job for job in chunks if job.state is JobState.failed]
        if failed:
            raise JobRejected("chunk_failed", f"chunk {failed[0].id} failed: {failed[0].error_message}")
        done = [job for job in chunks if job.state is JobState.succeeded]
        _report(ctx.report_progress, chunks)
        if len(done) == len(chunks):
            return [dict(job.result or {}) for job in chunks]
        queued = [job.id for job in chunks if job.state is JobState.queued]
        if queued:
            execute(runtime, queued[0], ctx.worker)
        else:
            time.sleep(_POLL_S)


def _report(report: ProgressReport, chunks: list[Job]) -> None:
    progress = sum(1.0 if job.state is JobState.succeeded else job.progress for job in chunks)
    report(progress / len(chunks))


def _encode_audio(runtime: Runtime, asset_id: str, prefix: str, first: Window) -> AudioRendition:
    with job_scratch(runtime.settings) as folder:
        output = folder / "hls"
        run_ffmpeg(
            build_hls_audio(local_source(runtime, asset_id, folder), output, first.lead_s),
            timeout_s=runtime.settings.ladder_audio_time_limit.for_media(),
        )
        (output / "ffmpeg_master.m3u8").unlink(missing_ok=True)
        audio = audio_rendition(output, AUDIO_RENDITION)
        upload_tree(runtime, output, prefix)
    return audio
