"""Whether a rung can be the source's own H.264, repackaged instead of re-encoded.

A copied rung must be indistinguishable to a player from an encoded one: H.264 8-bit 4:2:0 at the
rung's exact size, upright, progressive, at the ladder's constant frame rate, within the rung's
bitrate, and with an IDR frame wherever the other rungs start a segment, so all rungs switch at the
same instants. Only packets are read (no decoding), which costs a fraction of a second per minute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import av

from transcode.hls.ladder import Rung

_IDR = 5
_PLAIN_PROFILES = frozenset({"Baseline", "Constrained Baseline", "Main", "High"})


@dataclass(frozen=True)
class H264Facts:
    """What the packets of a source's first video stream say, relative to its first frame."""

    codec: str
    pix_fmt: str | None
    profile: str | None
    width: int
    height: int
    square_pixels: bool
    video_kbps: float
    idr_times: list[float] = field(default_factory=list)
    duration_s: float = 0.0


def inspect_h264(path: Path) -> H264Facts | None:
    """Facts about the video stream, or None when it is not H.264 at all."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        if context.name != "h264":
            return None
        length_size = _avcc_length_size(context.extradata)
        base, time_base = stream.start_time, stream.time_base
        total_bytes, idr_times, last = 0, [], 0.0
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None or time_base is None:
                continue
            total_bytes += packet.size
            at = float((packet.pts - (base or 0)) * time_base)
            last = max(last, at + float((packet.duration or 0) * time_base))
            if packet.is_keyframe and _IDR in _nal_types(bytes(packet), length_size):
                idr_times.append(at)
        sar = context.sample_aspect_ratio
        return H264Facts(
            codec="h264",
            pix_fmt=context.pix_fmt,
            profile=context.profile,
            width=context.width,
            height=context.height,
            square_pixels=sar is None or sar == 0 or sar == 1,
            video_kbps=total_bytes * 8 / 1000 / last if last > 0 else float("inf"),
            idr_times=sorted(idr_times),
            duration_s=last,
        )


def copyable_rung(
    facts: H264Facts | None, source: Mapping[str, object], rungs: list[Rung], fps: float, segment_s: float
) -> Rung | None:
    """The rung the source can stand in for unchanged, if any."""
    if facts is None or not _plain_progressive(facts, source, fps):
        return None
    for rung in rungs:
        fits = (rung.width, rung.height) == (facts.width, facts.height)
        if fits and facts.video_kbps <= rung.video_kbps * 1.1 and _idr_at_boundaries(facts, fps, segment_s):
            return rung
    return None


def _plain_progressive(facts: H264Facts, source: Mapping[str, object], fps: float) -> bool:
    return (
        facts.pix_fmt == "yuv420p"
        and facts.profile in _PLAIN_PROFILES
        and facts.square_pixels
        and source.get("rotation") in (0, None)
        and not source.get("interlaced")
        and not source.get("vfr")
        and abs(float(str(source.get("fps", 0))) - fps) < 0.01
    )


def _idr_at_boundaries(facts: H264Facts, fps: float, segment_s: float) -> bool:
    """An IDR frame within half a frame of every segment start."""
    tolerance = 0.5 / fps
    boundary = 0.0
    while boundary < facts.duration_s - tolerance:
        if not any(abs(t - boundary) <= tolerance for t in facts.idr_times):
            return False
        boundary += segment_s
    return True


def _avcc_length_size(extradata: bytes | None) -> int | None:
    """NAL length prefix size of MP4-style (avcC) packets; None for Annex B start codes."""
    if extradata and extradata[0] == 1 and len(extradata) > 4:
        return (extradata[4] & 0x03) + 1
    return None


def _nal_types(data: bytes, length_size: int | None) -> set[int]:
    if length_size is None:
        return _annex_b_nal_types(data)
    types, offset = set(), 0
    while offset + length_size < len(data):
        size = int.from_bytes(data[offset : offset + length_size], "big")
        offset += length_size
        if size <= 0 or offset + size > len(data):
            break
        types.add(data[offset] & 0x1F)
        offset += size
    return types


def _annex_b_nal_types(data: bytes) -> set[int]:
    types, start = set(), data.find(b"\x00\x00\x01")
    while 0 <= start < len(data) - 3:
        types.add(data[start + 3] & 0x1F)
        start = data.find(b"\x00\x00\x01", start + 3)
    return types - {0}
