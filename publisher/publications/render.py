"""Rendering a publication in a worker: measure loudness, conform in one FFmpeg process, check the
result against the profile, and upload the file and its subtitle sidecars under the job's prefix."""

from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path

from publisher.publications.command import Conform, build_conform, build_loudnorm_measure, build_poster
from publisher.publications.conformance import check_conformance, check_duration, measure_output, probe_output
from publisher.publications.loudnorm import parse_loudnorm
from publisher.publications.plans import ConformPlan, OutputFile, Rendered, Violation
from publisher.publications.service import render_prefix
from publisher.publications.subtitles import burn_script, sidecar_files
from shopcast.jobs.registry import ProgressReport
from shopcast.jobs.scratch import job_scratch
from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.product_entry import SHARED_FIELDS
from shopcast.runtime import Runtime

__all__ = ["render_publication_outputs", "sha256_of"]

_MEASURE_SHARE = 0.15
_RENDER_SHARE = 0.75
_CONTENT_TYPES = {
    "mxf": "application/mxf",
    "mp4": "video/mp4",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
    "json": "application/json",
}


def render_publication_outputs(
    runtime: Runtime, plan: ConformPlan, job_id: str, report: ProgressReport
) -> Rendered:
    """The conformed files, or the violations that stop the publication. Raises FfmpegFailed."""
    violations = _preflight(plan)
    if violations:
        return Rendered(prefix=None, violations=violations)
    limit = runtime.settings.conform_time_limit.for_media(plan.duration_s)
    with job_scratch(runtime.settings) as folder:
        source = _local_source(runtime, plan, folder)
        script, burn_problems = burn_script(runtime.store, plan, folder)
        stem = plan.media_name.rsplit(".", 1)[0]
        sidecars, sidecar_problems = sidecar_files(runtime.store, plan, folder, stem)
        if burn_problems or sidecar_problems:
            return Rendered(prefix=None, violations=[*burn_problems, *sidecar_problems])
        measured = parse_loudnorm(run_ffmpeg(build_loudnorm_measure(source, plan.profile), timeout_s=limit))
        report(_MEASURE_SHARE)
        output = folder / plan.media_name
        job = Conform(source, output, plan.profile, plan.fit, plan.focus_x, plan.interlaced, measured, script,
                      runtime.settings.x264_preset)  # fmt: skip
        run_ffmpeg(
            build_conform(job),
            timeout_s=limit,
            duration_s=plan.duration_s,
            on_progress=lambda p: report(_MEASURE_SHARE + p.fraction * _RENDER_SHARE, p.speed),
        )
        probed = probe_output(output)
        tracks = len(probed.audio_tracks)
        loudness = measure_output(output, tracks, limit) if tracks else None
        violations = check_conformance(plan.profile, probed, loudness)
        if violations:
            return Rendered(prefix=None, duration_s=probed.duration_s, violations=violations)
        poster = folder / f"{stem}.jpg"
        run_ffmpeg(
            build_poster(output, poster, probed.duration_s),
            timeout_s=runtime.settings.poster_time_limit.for_media(),
        )
        prefix = render_prefix(plan.asset_id, plan.publication_id, job_id)
        files = [_upload(runtime, prefix, output), _upload(runtime, prefix, poster, delivered=False)]
        files += [_upload(runtime, prefix, s.path, s.language, s.delivered) for s in sidecars]
        if plan.products:
            files.append(_upload(runtime, prefix, products_sidecar(plan, folder / f"{stem}.products.json")))
    return Rendered(prefix=prefix, files=files, duration_s=probed.duration_s)


def products_sidecar(plan: ConformPlan, path: Path) -> Path:
    """The product timeline next to the media, for the channel's player or shop: the entries on the
    delivered file's timeline."""
    entries = [{key: entry.get(key) for key in SHARED_FIELDS} for entry in plan.products]
    for entry, given in zip(entries, plan.products, strict=True):
        if entry["start_s"] is None:  # a request's tag, from before tags had ends
            entry["start_s"] = given.get("at_s", 0.0)
    path.write_text(json.dumps({"media": plan.media_name, "products": entries}, ensure_ascii=False, indent=1))
    return path


def _preflight(plan: ConformPlan) -> list[Violation]:
    """What no render can fix: the source's length, or no sound to normalise."""
    found = check_duration(plan.profile, plan.duration_s)
    if not plan.has_audio:
        found.append(Violation("no_audio", "the source has no audio; the profile's loudness needs some",
                               plan.profile.loudness.integrated_lufs, None))  # fmt: skip
    return found


def _local_source(runtime: Runtime, plan: ConformPlan, folder: Path) -> Path:
    local = runtime.store.local_path(plan.source_key)
    if local is not None:
        return local
    copy = folder / "source"
    runtime.store.download_to(plan.source_key, copy)
    return copy


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def content_type_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1]
    return _CONTENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _upload(
    runtime: Runtime, prefix: str, path: Path, language: str | None = None, delivered: bool = True
) -> OutputFile:
    content_type = content_type_of(path.name)
    runtime.store.put_file(f"{prefix}/{path.name}", path, content_type)
    return OutputFile(path.name, path.stat().st_size, sha256_of(path), content_type, language, delivered)
