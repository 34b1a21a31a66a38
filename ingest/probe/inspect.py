"""Inspect a media file with PyAV, with limits checked from the header before anything decodes.

Run it through `ingest.probe.runner`, which puts it in a child process with a time and memory
limit: a hostile file may hang or balloon a demuxer, and only a process can be killed safely.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error

from ingest.probe.redaction import ffmpeg_reason
from ingest.probe.rejections import InputRejected
from ingest.probe.sniff import looks_like_media, sniff
from shopcast.media.source_info import SourceInfo

# Real media containers only: no playlists (hls, dash), concat, image sequences or still images.
DEMUXERS = (
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,mpegts,mpeg,avi,flv,mxf,asf,ogg,wav,mp3,aac,flac,yuv4mpegpipe"
)
_SNIFF_BYTES = 65536
_VFR_SAMPLE_PACKETS = 120
_MAX_PACKETS_TO_FIRST_FRAME = 600


@dataclass(frozen=True)
class Limits:
    max_duration_s: float
    max_long_side: int
    max_short_side: int
    max_fps: float
    max_streams: int
    memory_bytes: int = 4 * 1024**3  # the child's address-space ceiling


def probe_file(path: Path, limits: Limits) -> SourceInfo:
    """Describe the file at `path`; raises InputRejected with the reason it cannot be accepted."""
    size = path.stat().st_size
    head, tail = _edges(path, size)
    sniff(head, tail, size, limits.max_long_side, limits.max_short_side)
    container = _open(path, head, tail, limits)
    with container:
        return _describe(container, path, size, limits)


def _edges(path: Path, size: int) -> tuple[bytes, bytes]:
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
        f.seek(max(0, size - _SNIFF_BYTES))
        tail = f.read(_SNIFF_BYTES)
    return head, tail


def _open(path: Path, head: bytes, tail: bytes, limits: Limits) -> av.container.InputContainer:
    options = {
        "protocol_whitelist": "file",
        "format_whitelist": DEMUXERS,
        "max_streams": str(limits.max_streams + 1),
        "probesize": str(20_000_000),
        "analyzeduration": str(10_000_000),
    }
    try:
        return av.open(str(path), mode="r", options=options)
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        if looks_like_media(head, tail):
            reason = ffmpeg_reason(exc, path)
            raise InputRejected("corrupt", f"the file looks like media but cannot be read: {reason}") from exc
        raise InputRejected(
            "unsupported_format", "no supported audio/video container was recognised"
        ) from exc


def _describe(container: av.container.InputContainer, path: Path, size: int, limits: Limits) -> SourceInfo:
    if len(container.streams) > limits.max_streams:
        raise InputRejected("too_large", f"more than {limits.max_streams} streams")
    if not container.streams.video:
        raise InputRejected("no_video", "the file has no video stream (audio-only or data-only)")
    video = container.streams.video[0]
    width, height = video.codec_context.width, video.codec_context.height
    if not width or not height:
        raise InputRejected("corrupt", "the video stream has no picture size")
    _check_picture(width, height, limits)
    fps = _fps(container, video)
    if fps > limits.max_fps:
        raise InputRejected(
            "too_large", f"{fps:.1f} frames per second exceeds the limit of {limits.max_fps:g}"
        )
    duration = _duration(container, video)
    if duration > limits.max_duration_s:
        raise InputRejected(
            "too_large", f"{duration:.0f} s exceeds the limit of {limits.max_duration_s:.0f} s"
        )
    _check_index_within_file(container, size)
    rotation, interlaced, vfr = _first_frame_facts(container, video, path)
    if rotation % 180:
        width, height = height, width
    audio = container.streams.audio[0] if container.streams.audio else None
    return SourceInfo(
        container=_container_name(container, path),
        duration_s=round(duration, 3),
        width=width,
        height=height,
        fps=round(fps, 3),
        vfr=vfr,
        video_codec=video.codec_context.name,
        audio_codec=audio.codec_context.name if audio else None,
        audio_channels=audio.codec_context.channels if audio else None,
        audio_sample_rate=audio.codec_context.sample_rate if audio else None,
        rotation=rotation,
        interlaced=interlaced,
        size_bytes=size,
    )


def _check_picture(width: int, height: int, limits: Limits) -> None:
    if max(width, height) > limits.max_long_side or min(width, height) > limits.max_short_side:
        raise InputRejected(
            "too_large",
            f"a picture of {width}x{height} exceeds the limit of "
            f"{limits.max_long_side}x{limits.max_short_side}",
        )


def _fps(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> float:
    """The stream's average rate. Where the header states none (Matroska recordings of live
    streams), PyAV's guess is the time base's tick rate (1000 for Matroska), so the rate is measured
    from the first packets' timestamps instead: demuxed, not decoded."""
    if video.average_rate:
        return float(video.average_rate)
    measured = _measured_fps(container, video)
    if measured:
        return measured
    rate = video.guessed_rate or video.base_rate
    return float(rate) if rate else 0.0


def _measured_fps(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> float | None:
    stamps: set[int] = set()
    try:
        for packet in container.demux(video):
            if packet.pts is not None:
                stamps.add(packet.pts)
            if len(stamps) >= _VFR_SAMPLE_PACKETS:
                break
        container.seek(0)
    except av.error.FFmpegError:
        return None
    if len(stamps) < 2 or video.time_base is None:
        return None
    span = float((max(stamps) - min(stamps)) * video.time_base)
    return (len(stamps) - 1) / span if span > 0 else None


def _duration(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> float:
    if container.duration:
        return float(container.duration) / av.time_base
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    raise InputRejected("corrupt", "the duration cannot be determined")


def _check_index_within_file(container: av.container.InputContainer, size: int) -> None:
    # Containers with a sample index (MP4, MOV, MKV with cues) say where every packet lies:
    # an index that reaches past the end of the file means the file was cut short.
    for stream in container.streams:
        entries = stream.index_entries
        if entries is None or len(entries) == 0:
            continue
        last = entries[len(entries) - 1]
        if last.pos + last.size > size:
            raise InputRejected(
                "corrupt",
                f"the file is truncated: it ends at byte {size}, its index at {last.pos + last.size}",
            )


def _first_frame_facts(
    container: av.container.InputContainer, video: av.video.stream.VideoStream, path: Path
) -> tuple[int, bool, bool]:
    """Rotation and interlacing from the first decoded frame; VFR from the first packets' timestamps."""
    video.codec_context.thread_count = 1
    rotation: int | None = None
    interlaced = False
    pts: list[int] = []
    try:
        for count, packet in enumerate(container.demux(video)):
            if packet.pts is not None:
                pts.append(packet.pts)
            if rotation is None:
                for frame in packet.decode():
                    rotation = round(getattr(frame, "rotation", 0) or 0) % 360
                    interlaced = bool(frame.interlaced_frame)
                    break
                if rotation is None and count > _MAX_PACKETS_TO_FIRST_FRAME:
                    break
            if rotation is not None and len(pts) >= _VFR_SAMPLE_PACKETS:
                break
    except av.error.FFmpegError as exc:
        if rotation is None:
            reason = ffmpeg_reason(exc, path)
            raise InputRejected("corrupt", f"the video cannot be decoded: {reason}") from exc
    if rotation is None:
        raise InputRejected("corrupt", "no video frame could be decoded")
    field_order = str(getattr(video.codec_context, "field_order", "") or "").lower()
    interlaced = interlaced or field_order in ("tt", "bb", "tb", "bt")
    return rotation, interlaced, _is_vfr(pts)


def _is_vfr(pts: list[int]) -> bool:
    ordered = sorted(set(pts))
    deltas = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    if len(deltas) < 3:
        return False
    return max(deltas) > 1.5 * min(deltas)


def _container_name(container: av.container.InputContainer, path: Path) -> str:
    name = container.format.name
    if name.startswith("mov,"):
        brand = str(container.metadata.get("major_brand", "")).strip().lower()
        return "mov" if brand == "qt" else "mp4"
    if name.startswith("matroska"):
        # The EBML header's DocType says which; the stored source has no file extension.
        with path.open("rb") as f:
            return "webm" if b"webm" in f.read(64) else "matroska"
    return name.split(",")[0]


def limits_from_json(data: dict[str, Any]) -> Limits:
    return Limits(**data)


if __name__ == "__main__":  # pragma: no cover - exercised through probe_runner
    import json
    import resource
    import sys

    # A decode bomb must hit this ceiling, not the worker's memory.
    target, limits = Path(sys.argv[1]), limits_from_json(json.loads(sys.argv[2]))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    av.logging.set_level(av.logging.PANIC)
    try:
        info = probe_file(target, limits)
        print(json.dumps({"ok": True, "source": info.to_json()}))
    except InputRejected as rejected:
        print(json.dumps({"ok": False, "code": rejected.code, "message": rejected.message}))
