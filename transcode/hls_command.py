"""The FFmpeg argument list for a CMAF HLS ladder, all rungs from one decode of the source."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from transcode.ladder import AUDIO_KBPS, Rung

SEGMENT_S = 4
GOP_S = 2


@dataclass(frozen=True)
class LadderJob:
    source: Path
    output_dir: Path
    rungs: list[Rung]
    fps: float
    interlaced: bool
    has_audio: bool
    preset: str = "veryfast"
    copied: str | None = None  # the name of a rung that is the source's own video


def build_hls_ladder(job: LadderJob) -> list[str]:
    """One process: decode once, deinterlace if needed, make the rate constant, split to every rung.

    Closed GOPs of 2 s with scene-cut keyframes off, so 4 s segments start with a keyframe on
    every rung at the same instants. A copied rung (`job.copied`) takes the source's packets as
    they are; the caller has checked that its IDR frames fall on the same instants.
    """
    rate = Fraction(job.fps).limit_denominator(1001)
    gop = max(1, round(job.fps * GOP_S))
    encoded = [rung for rung in job.rungs if rung.name != job.copied]
    args = ["-y", "-i", str(job.source)]
    if encoded:
        args += ["-filter_complex", _filter_graph(job, encoded, rate)]
    for rung in job.rungs:
        args += ["-map", "0:v:0" if rung.name == job.copied else f"[v_{rung.name}]"]
        if job.has_audio:
            args += ["-map", "0:a:0"]
    for index, rung in enumerate(job.rungs):
        if rung.name == job.copied:
            args += [f"-c:v:{index}", "copy"]
            continue
        args += [
            f"-c:v:{index}", "libx264", f"-profile:v:{index}", "high", f"-preset:v:{index}", job.preset,
            f"-b:v:{index}", f"{rung.video_kbps}k", f"-maxrate:v:{index}", f"{int(rung.video_kbps * 1.1)}k",
            f"-bufsize:v:{index}", f"{int(rung.video_kbps * 1.5)}k", f"-pix_fmt:v:{index}", "yuv420p",
            f"-g:v:{index}", str(gop), f"-keyint_min:v:{index}", str(gop), f"-sc_threshold:v:{index}", "0",
            f"-x264-params:v:{index}", "scenecut=0:open-gop=0",
            f"-force_key_frames:v:{index}", f"expr:gte(t,n_forced*{GOP_S})",
        ]  # fmt: skip
    if job.has_audio:
        args += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ar", "48000", "-ac", "2"]
    args += [
        "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", "init.mp4", "-master_pl_name", "ffmpeg_master.m3u8",
        "-var_stream_map", _stream_map(job),
        "-hls_segment_filename", str(job.output_dir / "%v" / "seg_%05d.m4s"),
        str(job.output_dir / "%v" / "index.m3u8"),
    ]  # fmt: skip
    return args


def build_hls_remux(source: Path, output_dir: Path, has_audio: bool) -> list[str]:
    """The source's H.264 (and AAC) repackaged as CMAF HLS without re-encoding: playable in seconds.
    Segments follow the source's own keyframes."""
    args = ["-y", "-i", str(source), "-map", "0:v:0"]
    if has_audio:
        args += ["-map", "0:a:0"]
    return [
        *args, "-c", "copy", "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", "init.mp4", "-master_pl_name", "ffmpeg_master.m3u8",
        "-var_stream_map", "v:0,a:0,name:source" if has_audio else "v:0,name:source",
        "-hls_segment_filename", str(output_dir / "%v" / "seg_%05d.m4s"),
        str(output_dir / "%v" / "index.m3u8"),
    ]  # fmt: skip


def _filter_graph(job: LadderJob, encoded: list[Rung], rate: Fraction) -> str:
    prepare = ["bwdif=mode=send_frame"] if job.interlaced else []
    prepare += [f"fps={rate.numerator}/{rate.denominator}", "format=yuv420p", f"split={len(encoded)}"]
    head = "[0:v:0]" + ",".join(prepare) + "".join(f"[s{i}]" for i in range(len(encoded)))
    scales = [
        f"[s{i}]scale={rung.width}:{rung.height}:flags=bicubic,setsar=1[v_{rung.name}]"
        for i, rung in enumerate(encoded)
    ]
    return ";".join([head, *scales])


def _stream_map(job: LadderJob) -> str:
    if job.has_audio:
        return " ".join(f"v:{i},a:{i},name:{rung.name}" for i, rung in enumerate(job.rungs))
    return " ".join(f"v:{i},name:{rung.name}" for i, rung in enumerate(job.rungs))
