"""The conformance check: probe a rendered file and list every way it misses its profile (size, frame
rate, scan and field order, codecs, container, audio layout, loudness, true peak, duration)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from publisher.channels.profiles import Profile
from publisher.publications.command import build_output_loudness
from publisher.publications.plans import Violation
from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.media.loudness import Loudness, parse_summary

__all__ = ["Probed", "check_conformance", "check_duration", "measure_output", "probe_output"]

_CONTAINERS = {"mp4": "mp4", "mxf": "mxf"}
_PROFILES = {"h264": {"High": "High"}, "mpeg2video": {"4:2:2": "4:2:2"}}
_TRUE_PEAK_MARGIN_DB = 0.5  # loudnorm's true-peak limiter lands within this of its ceiling
_FPS_TOLERANCE = 0.01
_SCAN_FRAMES = 6
# FFmpeg's AVFieldOrder: the first letter says which field is coded first, the second which is shown first.
_FIELD_ORDERS = {1: "progressive", 2: "tt", 3: "bb", 4: "tb", 5: "bt"}


@dataclass(frozen=True)
class Probed:
    container: str
    duration_s: float
    width: int
    height: int
    fps: float
    video_codec: str
    video_profile: str | None
    pixel_format: str | None
    interlaced: bool
    field_order: str | None
    audio_tracks: list[tuple[str, int, int]]  # (codec, channels, sample rate) per stream


def probe_output(path: Path) -> Probed:
    """What the file holds, from its container and its first decoded frames."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        context = video.codec_context
        interlaced = False
        for index, frame in enumerate(container.decode(video)):
            interlaced = interlaced or bool(frame.interlaced_frame)
            if index >= _SCAN_FRAMES:
                break
        rate = video.average_rate or video.guessed_rate
        return Probed(
            container=container.format.name,
            duration_s=float(container.duration or 0) / av.time_base,
            width=video.width,
            height=video.height,
            fps=float(rate) if rate else 0.0,
            video_codec=context.name,
            video_profile=context.profile,
            pixel_format=context.format.name if context.format else None,
            interlaced=interlaced,
            field_order=_FIELD_ORDERS.get(context.field_order),
            audio_tracks=[(s.codec_context.name, s.channels, s.sample_rate) for s in container.streams.audio],
        )


def measure_output(path: Path, tracks: int, timeout_s: float) -> Loudness:
    return parse_summary(run_ffmpeg(build_output_loudness(path, tracks), timeout_s=timeout_s))


def check_duration(profile: Profile, duration_s: float) -> list[Violation]:
    if duration_s < profile.min_duration_s:
        message = f"{duration_s:.2f} s is shorter than the profile's minimum of {profile.min_duration_s:g} s"
        return [Violation("duration_below_minimum", message, profile.min_duration_s, round(duration_s, 3))]
    if duration_s > profile.max_duration_s:
        message = f"{duration_s:.2f} s is longer than the profile's maximum of {profile.max_duration_s:g} s"
        return [Violation("duration_above_maximum", message, profile.max_duration_s, round(duration_s, 3))]
    return []


def check_conformance(profile: Profile, probed: Probed, loudness: Loudness | None) -> list[Violation]:
    """Every violation of `profile` by the probed file and its measured loudness; empty if it conforms."""
    return [
        *_picture(profile, probed),
        *_codecs(profile, probed),
        *_audio(profile, probed),
        *_loudness(profile, loudness),
        *check_duration(profile, probed.duration_s),
    ]


def _picture(profile: Profile, probed: Probed) -> list[Violation]:
    picture, found = profile.picture, []
    if (probed.width, probed.height) != (picture.width, picture.height):
        size = f"{probed.width}x{probed.height}"
        found.append(Violation("picture_size", f"{size} is not {picture.width}x{picture.height}",
                               f"{picture.width}x{picture.height}", size))  # fmt: skip
    if abs(probed.fps - picture.fps) > _FPS_TOLERANCE * picture.fps:
        found.append(Violation("frame_rate", f"{probed.fps:.3f} fps is not {picture.fps:g}", picture.fps,
                               round(probed.fps, 3)))  # fmt: skip
    if probed.interlaced != picture.interlaced:
        scan = "interlaced" if picture.interlaced else "progressive"
        found.append(Violation("scan", f"the picture is not {scan}", scan, "interlaced" if probed.interlaced
                               else "progressive"))  # fmt: skip
    if picture.interlaced and _field_order(probed.field_order) != picture.field_order:
        message = f"the field order is {probed.field_order}, not {picture.field_order}"
        found.append(Violation("field_order", message, picture.field_order, probed.field_order))
    return found


def _field_order(value: str | None) -> str | None:
    return {"tt": "tff", "bt": "tff", "bb": "bff", "tb": "bff"}.get(value or "")


def _codecs(profile: Profile, probed: Probed) -> list[Violation]:
    found = []
    expected_container = _CONTAINERS[profile.container.format]
    if expected_container not in probed.container.split(","):
        found.append(Violation("container", f"the container is {probed.container}",
                               profile.container.format, probed.container))  # fmt: skip
    if probed.video_codec != profile.video.codec:
        found.append(Violation("video_codec", f"the video codec is {probed.video_codec}",
                               profile.video.codec, probed.video_codec))  # fmt: skip
    elif probed.video_profile != _PROFILES[profile.video.codec].get(
        profile.video.profile, profile.video.profile
    ):
        found.append(Violation("video_profile", f"the video profile is {probed.video_profile}",
                               profile.video.profile, probed.video_profile))  # fmt: skip
    return found


def _audio(profile: Profile, probed: Probed) -> list[Violation]:
    audio = profile.audio
    if audio.layout == "mono_tracks":
        expected = [(audio.codec, 1, audio.sample_rate)] * audio.channels
    else:
        expected = [(audio.codec, audio.channels, audio.sample_rate)]
    if probed.audio_tracks != expected:
        return [Violation("audio_layout", "the audio tracks are not the profile's",
                          [list(t) for t in expected], [list(t) for t in probed.audio_tracks])]  # fmt: skip
    return []


def _loudness(profile: Profile, loudness: Loudness | None) -> list[Violation]:
    target = profile.loudness
    if loudness is None:
        return [Violation("loudness", "the file has no audio to measure", target.integrated_lufs, None)]
    found = []
    if abs(loudness.integrated_lufs - target.integrated_lufs) > target.tolerance_lu:
        found.append(Violation("loudness", f"integrated loudness {loudness.integrated_lufs:.1f} LUFS is not "
                               f"{target.integrated_lufs:g} ± {target.tolerance_lu:g}",
                               target.integrated_lufs, loudness.integrated_lufs))  # fmt: skip
    if loudness.true_peak_dbtp > target.true_peak_dbtp + _TRUE_PEAK_MARGIN_DB:
        found.append(Violation("true_peak", f"true peak {loudness.true_peak_dbtp:.1f} dBTP is above "
                               f"{target.true_peak_dbtp:g}", target.true_peak_dbtp,
                               loudness.true_peak_dbtp))  # fmt: skip
    return found
