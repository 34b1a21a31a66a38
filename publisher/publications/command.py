"""The FFmpeg argument lists of a conform render: loudness measurement (pass 1), then the render
itself (pass 2) that frames the picture to the profile, interlaces it when the profile says so, burns
subtitles in, normalises loudness with the measured values and encodes to the profile's codecs; the
poster frame; and the conformance check's loudness measurement of the result. `conformance.py`
runs that last one and judges its numbers.

`tcommerce` is XDCAM HD422: MPEG-2 4:2:2 Profile @ High Level, 50 Mb/s CBR, long GOP of 12 with
interlaced DCT and motion estimation, top field first, in MXF OP1a with PCM 24-bit as mono tracks.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from publisher.channels.profiles import Profile
from publisher.publications.loudnorm import LoudnormMeasurement
from transcode import burn_in_filter

__all__ = [
    "Conform",
    "build_conform",
    "build_loudnorm_measure",
    "build_output_loudness",
    "build_poster",
    "output_rate",
]

_LRA = 11.0  # loudness range target: loudnorm's default, wide enough to leave speech alone
_XDCAM_VBV_BITS = 17825792  # the MPEG-2 422P@HL VBV buffer


@dataclass(frozen=True)
class Conform:
    source: Path
    output: Path
    profile: Profile
    fit: str  # crop or pad
    focus_x: float
    interlaced_source: bool
    loudness: LoudnormMeasurement
    subtitles: Path | None = None  # an ASS script at the profile's picture size
    preset: str = "veryfast"


def output_rate(fps: float) -> Fraction:
    """29.97 as 30000/1001, 59.94 as 60000/1001, whole rates as they are."""
    return Fraction(fps).limit_denominator(1001)


def _loudnorm(profile: Profile) -> str:
    target = profile.loudness
    return f"loudnorm=I={target.integrated_lufs}:TP={target.true_peak_dbtp}:LRA={_LRA}"


def build_loudnorm_measure(source: Path, profile: Profile) -> list[str]:
    """Pass 1: measure the first audio stream against the profile's target; writes nothing."""
    args = ["-i", str(source), "-map", "0:a:0", "-vn", "-sn"]
    return [*args, "-af", _loudnorm(profile) + ":print_format=json", "-f", "null", "-"]


def build_conform(job: Conform) -> list[str]:
    """Pass 2: the conformed file, in the profile's container."""
    args = ["-y", "-i", str(job.source), "-filter_complex", _filter_graph(job), "-map", "[vout]"]
    profile = job.profile
    if profile.audio.layout == "mono_tracks":
        args += ["-map", "[left]", "-map", "[right]"]
    else:
        args += ["-map", "[aout]"]
    args += ["-r", _rate_text(output_rate(profile.picture.fps)), *_video_codec(job), *_audio_codec(profile)]
    if profile.container.format == "mp4":
        args += ["-movflags", "+faststart", "-f", "mp4"]
    else:
        args += ["-f", "mxf"]
    return [*args, str(job.output)]


def build_poster(media: Path, poster: Path, duration_s: float) -> list[str]:
    """One JPEG frame from a third of the way in, at most 640 pixels wide, for feeds."""
    at = max(0.0, duration_s / 3)
    return ["-y", "-ss", f"{at:.3f}", "-i", str(media), "-frames:v", "1", "-vf", "scale='min(640,iw)':-2",
            "-q:v", "3", str(poster)]  # fmt: skip


def build_output_loudness(path: Path, tracks: int) -> list[str]:
    """ebur128 over the rendered programme, for the conformance check: the stereo stream, or the mono
    tracks merged back into stereo."""
    if tracks >= 2:
        graph = "[0:a:0][0:a:1]amerge=inputs=2,ebur128=peak=true[out]"
        return ["-i", str(path), "-filter_complex", graph, "-map", "[out]", "-f", "null", "-"]
    return ["-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true", "-f", "null", "-"]


def _filter_graph(job: Conform) -> str:
    return f"[0:v:0]{','.join(_video_steps(job))}[vout];[0:a:0]{_audio_chain(job)}"


def _video_steps(job: Conform) -> list[str]:
    picture = job.profile.picture
    width, height = picture.width, picture.height
    steps = ["bwdif=mode=send_frame"] if job.interlaced_source else []
    if job.fit == "crop":
        steps += [
            f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic",
            f"crop={width}:{height}:x=(iw-{width})*{job.focus_x:.4f}:y=(ih-{height})/2",
        ]
    else:
        steps += [
            f"scale={width}:{height}:force_original_aspect_ratio=decrease:flags=bicubic",
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black",
        ]
    steps.append("setsar=1")
    if job.subtitles is not None:
        steps.append(burn_in_filter(job.subtitles))
    rate = output_rate(picture.fps)
    if picture.interlaced:
        # Two fields per frame from pictures 1/59.94 s apart, weaved top field first.
        scan = "tff" if picture.field_order == "tff" else "bff"
        steps += [f"fps={_rate_text(rate * 2)}", f"interlace=scan={scan}:lowpass=complex", f"setfield={scan}"]
    else:
        steps.append(f"fps={_rate_text(rate)}")
    pixels = "yuv422p" if job.profile.video.codec == "mpeg2video" else "yuv420p"
    return [*steps, f"format={pixels}"]


def _audio_chain(job: Conform) -> str:
    measured = job.loudness
    audio = job.profile.audio
    normalise = (
        f"{_loudnorm(job.profile)}:measured_I={measured.input_i}:measured_TP={measured.input_tp}"
        f":measured_LRA={measured.input_lra}:measured_thresh={measured.input_thresh}"
        f":offset={measured.target_offset}:linear=true"
    )
    chain = f"{normalise},aresample={audio.sample_rate},aformat=channel_layouts=stereo"
    if audio.layout == "mono_tracks":
        return f"{chain},channelsplit=channel_layout=stereo[left][right]"
    return f"{chain}[aout]"


def _video_codec(job: Conform) -> list[str]:
    video, picture = job.profile.video, job.profile.picture
    kbps = video.bitrate_kbps
    if video.codec == "mpeg2video":
        return [
            "-c:v", "mpeg2video", "-profile:v", "0", "-level:v", "2",
            "-b:v", f"{kbps}k", "-minrate", f"{kbps}k", "-maxrate", f"{kbps}k",
            "-bufsize", str(_XDCAM_VBV_BITS), "-rc_init_occupancy", str(_XDCAM_VBV_BITS),
            "-g", "12", "-bf", "2", "-flags", "+ilme+ildct",
            "-alternate_scan", "1", "-intra_vlc", "1", "-non_linear_quant", "1",
            "-intra_dc_precision", "2", "-qmin", "1", "-qmax", "12", "-sc_threshold", "1000000000",
        ]  # fmt: skip
    gop = max(1, round(picture.fps * 2))
    return [
        "-c:v", "libx264", "-profile:v", video.profile.lower(), "-preset", job.preset,
        "-b:v", f"{kbps}k", "-maxrate", f"{int(kbps * 1.1)}k", "-bufsize", f"{kbps * 2}k",
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
    ]  # fmt: skip


def _audio_codec(profile: Profile) -> list[str]:
    audio = profile.audio
    if audio.layout == "mono_tracks":
        return ["-c:a", audio.codec, "-ar", str(audio.sample_rate), "-ac", "1"]
    args = ["-c:a", audio.codec, "-ar", str(audio.sample_rate), "-ac", str(audio.channels)]
    if audio.bitrate_kbps:
        args += ["-b:a", f"{audio.bitrate_kbps}k"]
    return args


def _rate_text(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}"
