"""Rendering a clip in a worker: the MP4 master in one FFmpeg process, then the clip's HLS ladder
from that master (its top rung copied when the master fits it), uploaded under the job's prefix."""

from __future__ import annotations

from pathlib import Path

from shopcast.jobs.registry import ProgressReport
from shopcast.jobs.scratch import job_scratch
from shopcast.media.ass_style import render_ass
from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.media.rendition import Rendition
from shopcast.media.subtitle_formats import parse_vtt, shift_cues
from shopcast.runtime import Runtime
from transcode.clips.command import ClipRender, build_clip_render
from transcode.clips.service import ClipRenderPlan, RenderedClip, render_prefix
from transcode.hls.command import SEGMENT_S, LadderJob, build_hls_ladder
from transcode.hls.ladder import Rung, choose_rungs, output_fps
from transcode.hls.passthrough import copyable_rung, inspect_h264
from transcode.hls.service import asset_gone_checker, measured_variants, rendition, upload_tree, write_master
from transcode.local_source import local_source

__all__ = ["render_clip_outputs"]

_RENDER_SHARE = 0.7  # of the job's progress; the ladder takes the rest


def render_clip_outputs(
    runtime: Runtime, plan: ClipRenderPlan, job_id: str, report: ProgressReport
) -> RenderedClip:
    """Render, package and upload the clip. Raises FfmpegFailed (a retry may succeed)."""
    rungs = choose_rungs(plan.edit.width, plan.edit.height)
    limit = runtime.settings.clip_render_time_limit.for_media(plan.edit.duration_s)
    with job_scratch(runtime.settings) as folder:
        output = folder / "clip"
        output.mkdir()
        job = _master_job(runtime, plan, folder, output / "clip.mp4", rungs[0])
        run_ffmpeg(
            build_clip_render(job),
            timeout_s=limit,
            duration_s=plan.edit.duration_s,
            on_progress=lambda p: report(p.fraction * _RENDER_SHARE, p.speed),
            cancelled=asset_gone_checker(runtime, plan.asset_id),
        )
        facts = inspect_h264(job.output)
        copied = copyable_rung(facts, {"fps": job.fps, "rotation": 0}, rungs, job.fps, SEGMENT_S)
        renditions = _package(job, output, rungs, copied, limit, report)
        prefix = render_prefix(plan.asset_id, plan.clip_id, job_id)
        upload_tree(runtime, output, prefix)
    return RenderedClip(prefix=prefix, renditions=renditions)


def _master_job(runtime: Runtime, plan: ClipRenderPlan, folder: Path, master: Path, top: Rung) -> ClipRender:
    """The MP4 master's render, encoded within the top rung's bitrate so the ladder can copy it."""
    return ClipRender(
        source=local_source(runtime, plan.asset_id, folder),
        output=master,
        edit=plan.edit,
        source_width=plan.source.width,
        source_height=plan.source.height,
        fps=output_fps(plan.source.fps),
        has_audio=plan.source.has_audio,
        interlaced=plan.source.interlaced,
        video_kbps=top.video_kbps,
        preset=runtime.settings.x264_preset,
        subtitles=_subtitles_script(runtime, plan, folder),
    )


def _package(
    job: ClipRender,
    output: Path,
    rungs: list[Rung],
    copied: Rung | None,
    limit: float,
    report: ProgressReport,
) -> list[Rendition]:
    """The HLS ladder next to the master, and its master playlist with measured bandwidths."""
    ladder = LadderJob(
        source=job.output,
        output_dir=output,
        rungs=rungs,
        fps=job.fps,
        interlaced=False,
        has_audio=job.has_audio,
        preset=job.preset,
        copied=copied.name if copied else None,
    )
    run_ffmpeg(
        build_hls_ladder(ladder),
        timeout_s=limit,
        duration_s=job.edit.duration_s,
        on_progress=lambda p: report(_RENDER_SHARE + p.fraction * (1 - _RENDER_SHARE) * 0.9, p.speed),
    )
    variants = measured_variants(output, rungs, job.fps)
    write_master(output, variants, audio_apart=job.has_audio)
    return [rendition(v, v.rung == copied) for v in variants]


def _subtitles_script(runtime: Runtime, plan: ClipRenderPlan, folder: Path) -> Path | None:
    """The language's cues re-timed to the cut, as an ASS script at the clip's size; None when
    nothing is burned in (no language chosen, or no cue inside the ranges)."""
    if plan.subtitles_key is None:
        return None
    cues = parse_vtt(runtime.store.get_bytes(plan.subtitles_key).decode("utf-8"))
    shifted = shift_cues(cues, [(r.in_s, r.out_s) for r in plan.edit.ranges])
    if not shifted:
        return None
    script = folder / "subtitles.ass"
    script.write_text(render_ass(shifted, plan.edit.width, plan.edit.height), encoding="utf-8")
    return script
