"""The FFmpeg argument list for a CMAF HLS ladder, all rungs from one decode of the source."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from transcode.hls.ladder import AUDIO_KBPS, Rung

SEGMENT_S = 4
GOP_S = 2
AUDIO_RENDITION = "audio"


# fMP4 fragments stamped with their real decode time (tfdt) rather than from zero, so chunks
# encoded apart line up when their segments are listed in one playlist.
_REAL_TIME_FRAGMENTS = "movflags=+frag_custom+dash+delay_moov+frag_discont"


@dataclass(frozen=True)
class Window:
    """The part of the source one chunk of a split encode covers, and where its output sits in time.

    `lead_s` delays every chunk (and the audio) alike: it must exceed the encoder's reorder delay,
    or the first chunk's timestamps would be shifted to non-negative on their own.
    """

    index: int
    start_s: float
    duration_s: float
    lead_s: float

    @property
    def label(self) -> str:
        return f"c{self.index:03d}"

    @property
    def first_segment(self) -> int:
        return round(self.start_s / SEGMENT_S)


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


def build_hls_ladder(job: LadderJob, window: Window | None = None) -> list[str]:
    """One process: decode once, deinterlace if needed, make the rate constant, split to every rung.

    Closed GOPs of 2 s with scene-cut keyframes off, so 4 s segments start with a keyframe on
    every rung at the same instants. A copied rung (`job.copied`) takes the source's packets as
    they are; the caller has checked that its IDR frames fall on the same instants. With a
    `window`, only that stretch of the source is encoded (video only), as one chunk of a split encode.
    """
    rate = Fraction(job.fps).limit_denominator(1001)
    gop = max(1, round(job.fps * GOP_S))
    encoded = [rung for rung in job.rungs if rung.name != job.copied]
    args = ["-y"]
    if window is not None:
        args += ["-ss", f"{window.start_s:.6f}", "-t", f"{window.duration_s:.6f}"]
    args += ["-i", str(job.source)]
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
    if window is None:
        return args + _hls_output(job.output_dir, _stream_map(job))
    return [
        *args, "-output_ts_offset", f"{window.start_s + window.lead_s:.6f}",
        "-hls_segment_options", _REAL_TIME_FRAGMENTS, "-start_number", str(window.first_segment),
        *_hls_output(job.output_dir, _stream_map(job), window.label, variants=len(job.rungs)),
    ]  # fmt: skip


def build_hls_audio(source: Path, output_dir: Path, lead_s: float) -> list[str]:
    """The source's audio alone, as the `audio` rendition of a split encode's ladder."""
    return [
        "-y", "-i", str(source), "-map", "0:a:0", "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ar", "48000",
        "-ac", "2", "-output_ts_offset", f"{lead_s:.6f}", "-hls_segment_options", _REAL_TIME_FRAGMENTS,
        *_hls_output(output_dir, f"a:0,name:{AUDIO_RENDITION}"),
    ]  # fmt: skip


def _hls_output(output_dir: Path, stream_map: str, label: str | None = None, variants: int = 1) -> list[str]:
    """CMAF HLS of `SEGMENT_S` segments; a chunk's files carry its label, so chunks share folders."""
    init, master, segment, playlist = "init.mp4", "ffmpeg_master.m3u8", "seg_%05d.m4s", "index.m3u8"
    if label is not None:
        # FFmpeg names several variants' init segments apart by itself only under its default name,
        # and leaves %v as it is when there is a single variant.
        init = f"{label}_init_%v.mp4" if variants > 1 else f"{label}_init.mp4"
        master = f"{label}_master.m3u8"
        segment, playlist = f"{label}_seg_%05d.m4s", f"{label}.m3u8"
    return [
        "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", init, "-master_pl_name", master,
        "-var_stream_map", stream_map,
        "-hls_segment_filename", str(output_dir / "%v" / segment),
        str(output_dir / "%v" / playlist),
    ]  # fmt: skip


def build_hls_remux(source: Path, output_dir: Path, has_audio: bool) -> list[str]:
    """The source's H.264 (and AAC) repackaged as CMAF HLS without re-encoding: playable in seconds.
    Segments follow the source's own keyframes."""
    args = ["-y", "-i", str(source), "-map", "0:v:0"]
    if has_audio:
        args += ["-map", "0:a:0"]
    stream_map = "v:0,a:0,name:source" if has_audio else "v:0,name:source"
    return [*args, "-c", "copy", *_hls_output(output_dir, stream_map)]


def _filter_graph(job: LadderJob, encoded: list[Rung], rate: Fraction) -> str:
    prepare = ["bwdif=mode=send_frame"] if job.interlaced else []
    prepare += [f"fps={rate.numerator}/{rate.denominator}", "format=yuv420p", f"split={len(encoded)}"]
    head = "[0:v:0]" + ",".join(prepare) + "".join(f"[s{i}]" for i in range(len(encoded)))
    scales = [
        f"[s{i}]scale={rung.width}:{rung.height}:flags=area,setsar=1[v_{rung.name}]"
        for i, rung in enumerate(encoded)
    ]
    return ";".join([head, *scales])


def _stream_map(job: LadderJob) -> str:
    """Video rungs, and the audio once as a rendition of its own (`AUDIO_RENDITION`) that every
    rung's master entry names: one AAC encode and one copy in storage instead of one per rung."""
    video = [f"v:{i},name:{rung.name}" for i, rung in enumerate(job.rungs)]
    return " ".join([*video, f"a:0,name:{AUDIO_RENDITION}"] if job.has_audio else video)
