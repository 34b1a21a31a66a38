"""Turning a ready asset into an HLS ladder, and publishing it.

Outputs go under a prefix of their own job (`assets/<id>/hls/<job>/`), so a retry overwrites only
its own files; the ladder becomes visible when the job's finisher points the asset's HlsOutput row
at that prefix, in the transaction that marks the job succeeded.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ingest import source_of
from shopcast.db import utcnow
from shopcast.events.service import emit
from shopcast.jobs.registry import ProgressReport
from shopcast.jobs.scratch import job_scratch
from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.media.loudness import Loudness, build_measurement, parse_summary
from shopcast.media.rendition import Rendition
from shopcast.media.source_info import SourceInfo
from shopcast.runtime import Runtime
from shopcast.signing import sign
from transcode.hls.command import AUDIO_RENDITION, SEGMENT_S, LadderJob, build_hls_ladder, build_hls_remux
from transcode.hls.ladder import Rung, choose_rungs, output_fps
from transcode.hls.master import Variant, audio_rendition, ffmpeg_codecs, measure, render_master
from transcode.hls.models import HlsOutput
from transcode.hls.passthrough import copyable_rung, inspect_h264
from transcode.local_source import local_source

mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
mimetypes.add_type("video/iso.segment", ".m4s")


@dataclass(frozen=True)
class Ladder:
    prefix: str
    renditions: list[Rendition]


def encode_ladder(runtime: Runtime, asset_id: str, job_id: str, report: ProgressReport) -> Ladder | None:
    """Encode and upload the ladder; None when the asset disappeared meanwhile."""
    with runtime.sessions() as session:
        found = source_of(session, asset_id)
    if found is None:
        return None
    _owner, source = found
    rungs = choose_rungs(int(source.width), int(source.height))
    fps = output_fps(float(source.fps))
    with job_scratch(runtime.settings) as folder:
        input_path = local_source(runtime, asset_id, folder)
        output = folder / "hls"
        copied = _copyable(input_path, source, rungs, fps)
        job = LadderJob(
            source=input_path,
            output_dir=output,
            rungs=rungs,
            fps=fps,
            interlaced=bool(source.interlaced),
            has_audio=bool(source.audio_codec),
            preset=runtime.settings.x264_preset,
            copied=copied.name if copied else None,
        )
        run_ffmpeg(
            build_hls_ladder(job),
            timeout_s=runtime.settings.ladder_time_limit.for_media(float(source.duration_s)),
            duration_s=float(source.duration_s),
            on_progress=lambda progress: report(progress.fraction, progress.speed),
            cancelled=asset_gone_checker(runtime, asset_id),
        )
        variants = measured_variants(output, job.rungs, job.fps)
        write_master(output, variants, audio_apart=job.has_audio)
        prefix = f"assets/{asset_id}/hls/{job_id}"
        upload_tree(runtime, output, prefix)
    return Ladder(prefix=prefix, renditions=[rendition(v, v.rung == copied) for v in variants])


def write_master(output: Path, variants: list[Variant], audio_apart: bool) -> None:
    """Our master playlist in place of FFmpeg's: measured bandwidths, and (`audio_apart`) the audio
    rendition that `build_hls_ladder` writes apart from the video rungs; a remux keeps audio inside."""
    audio = audio_rendition(output, AUDIO_RENDITION) if audio_apart else None
    (output / "master.m3u8").write_text(render_master(variants, audio))
    (output / "ffmpeg_master.m3u8").unlink()


def _copyable(path: Path, source: SourceInfo, rungs: list[Rung], fps: float) -> Rung | None:
    if source.video_codec != "h264":
        return None
    return copyable_rung(inspect_h264(path), source.to_json(), rungs, fps, SEGMENT_S)


def make_preview(runtime: Runtime, asset_id: str, job_id: str) -> Ladder | None:
    """A one-variant HLS published while the ladder encodes: H.264 (with AAC or no audio) is the
    source repackaged in seconds; anything else is the lowest rung at x264's fastest preset."""
    with runtime.sessions() as session:
        found = source_of(session, asset_id)
    if found is None:
        return None
    source = found[1]
    remux = source.video_codec == "h264" and source.audio_codec in (None, "aac")
    duration = float(source.duration_s)
    with job_scratch(runtime.settings) as folder:
        output = folder / "hls"
        input_path = local_source(runtime, asset_id, folder)
        if remux:
            rung = Rung("source", int(source.width), int(source.height), video_kbps=0)
            fps = float(source.fps)
            command = build_hls_remux(input_path, output, bool(source.audio_codec))
        else:
            rung = choose_rungs(int(source.width), int(source.height))[-1]
            fps = output_fps(float(source.fps))
            quick = LadderJob(
                input_path, output, [rung], fps, bool(source.interlaced), bool(source.audio_codec),
                preset="ultrafast",
            )  # fmt: skip
            command = build_hls_ladder(quick)
        run_ffmpeg(
            command,
            timeout_s=runtime.settings.preview_time_limit.for_media(duration),
            cancelled=asset_gone_checker(runtime, asset_id),
        )
        variants = measured_variants(output, [rung], fps)
        write_master(output, variants, audio_apart=bool(source.audio_codec) and not remux)
        prefix = f"assets/{asset_id}/hls/{job_id}"
        upload_tree(runtime, output, prefix)
    return Ladder(prefix=prefix, renditions=[rendition(v, passthrough=remux) for v in variants])


def measure_asset_loudness(runtime: Runtime, asset_id: str) -> Loudness | None:
    """BS.1770 loudness of the source's first audio stream; None when the asset is gone."""
    with runtime.sessions() as session:
        found = source_of(session, asset_id)
    if found is None:
        return None
    duration = float(found[1].duration_s)
    with job_scratch(runtime.settings) as folder:
        source = local_source(runtime, asset_id, folder)
        log = run_ffmpeg(
            build_measurement(source),
            timeout_s=runtime.settings.loudness_time_limit.for_media(duration),
            duration_s=duration,
            background=True,
        )
    return parse_summary(log)


def asset_gone_checker(runtime: Runtime, asset_id: str) -> Callable[[], bool]:
    """Whether the asset was deleted, asked of the database at most every two seconds."""
    state = {"checked": 0.0, "gone": False}

    def gone() -> bool:
        if time.monotonic() - state["checked"] > 2.0:
            state["checked"] = time.monotonic()
            with runtime.sessions() as session:
                state["gone"] = source_of(session, asset_id) is None
        return bool(state["gone"])

    return gone


def measured_variants(output: Path, rungs: list[Rung], fps: float) -> list[Variant]:
    """Each rung as FFmpeg wrote it: its CODECS string and the bandwidth measured from its segments."""
    codecs = ffmpeg_codecs(output)
    variants = []
    for rung in rungs:
        peak, average, duration = measure(output / rung.name)
        variants.append(Variant(rung, fps, codecs.get(rung.name, "avc1.640028"), peak, average, duration))
    return variants


def rendition(variant: Variant, passthrough: bool = False) -> Rendition:
    return Rendition(
        name=variant.rung.name,
        width=variant.rung.width,
        height=variant.rung.height,
        bitrate=variant.average_bps,
        peak_bitrate=variant.peak_bps,
        codec=variant.codecs.split(",")[0],
        passthrough=passthrough,
        state="ready",
    )


def upload_tree(runtime: Runtime, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            runtime.store.put_file(f"{prefix}/{path.relative_to(folder).as_posix()}", path, content_type)


def publish(session: Session, asset_id: str, ladder: Ladder) -> str | None:
    """Point the asset at the new ladder; the first ladder also makes it playable.

    Returns the prefix it replaced (a preview, or an older ladder), for deletion after commit.
    """
    found = source_of(session, asset_id)
    if found is None:
        return None
    owner_id, _source = found
    current = session.get(HlsOutput, asset_id)
    first = current is None
    replaced = None if current is None or current.prefix == ladder.prefix else current.prefix
    renditions = [r.to_json() for r in ladder.renditions]
    if current is None:
        session.add(HlsOutput(asset_id=asset_id, prefix=ladder.prefix, renditions=renditions))
    else:
        current.prefix, current.renditions, current.published_at = ladder.prefix, renditions, utcnow()
    data = {"id": asset_id, "renditions": renditions}
    if first:
        emit(session, "asset.playable", owner_id=owner_id, subject_id=asset_id, data={"id": asset_id})
    emit(session, "renditions.ready", owner_id=owner_id, subject_id=asset_id, data=data)
    return replaced


def publish_preview(session: Session, asset_id: str, ladder: Ladder) -> None:
    """Make the asset playable from the remuxed source, unless its full ladder already is."""
    found = source_of(session, asset_id)
    if found is None or session.get(HlsOutput, asset_id) is not None:
        return
    renditions = [r.to_json() for r in ladder.renditions]
    session.add(HlsOutput(asset_id=asset_id, prefix=ladder.prefix, renditions=renditions))
    emit(session, "asset.playable", owner_id=found[0], subject_id=asset_id, data={"id": asset_id})


def playback_view(session: Session, runtime: Runtime, asset_id: str) -> tuple[list[Rendition], str | None]:
    """The asset's renditions and a signed master playlist URL (None before anything plays)."""
    output = session.get(HlsOutput, asset_id)
    if output is None:
        return [], None
    settings = runtime.settings
    token = sign(settings.secret_key, asset_id, settings.playback_ttl_s)
    master = f"{settings.public_url}/v1/playback/{asset_id}/master.m3u8?token={token}"
    return Rendition.all_from_json(output.renditions), master


def published_prefix(session: Session, asset_id: str) -> str | None:
    output = session.get(HlsOutput, asset_id)
    return output.prefix if output else None
