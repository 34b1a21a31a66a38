"""A WHIP offer checked before any WebRTC work: an SDP with media we can record.

Video must be H.264 or VP8 and audio Opus (docs/architecture.md, Live recording). Anything else is
refused here with 400 (not an SDP, no media, no video) or 415 (only codecs we cannot record), so
aiortc never sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiortc import sdp

from ingest.live.segment_writer import VideoCodec
from shopcast.errors import ShopcastError

VIDEO_CODECS: dict[str, VideoCodec] = {"h264": "h264", "vp8": "vp8"}
AUDIO_CODECS = frozenset({"opus"})
_CODEC_LINE = re.compile(r"^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ ]")


class InvalidOffer(ShopcastError, ValueError):
    status = 400
    default_code = "invalid_offer"


class UnsupportedOffer(ShopcastError, ValueError):
    status = 415
    default_code = "unsupported_codecs"


@dataclass(frozen=True)
class Offer:
    sdp: str
    video_codecs: tuple[VideoCodec, ...]  # in the publisher's order of preference
    has_audio: bool


def parse_offer(text: str) -> Offer:
    if not text.lstrip().startswith("v=0"):
        raise InvalidOffer("the body is not an SDP offer (it must start with v=0)", code="invalid_sdp")
    try:
        description = sdp.SessionDescription.parse(text)
    # aiortc's parser fails on malformed input in whatever way its code happens to break (asserts,
    # None.split, bad ints): any failure there means the offer is not an SDP we can read, not a 500.
    except Exception as exc:
        raise InvalidOffer(f"the SDP offer could not be parsed: {exc}", code="invalid_sdp") from exc
    if not description.media:
        raise InvalidOffer("the SDP offer has no media sections (m=)", code="no_media")
    video = [m for m in description.media if m.kind == "video"]
    audio = [m for m in description.media if m.kind == "audio"]
    offered_video = [codec.name.lower() for m in video for codec in m.rtp.codecs]
    offered_audio = [codec.name.lower() for m in audio for codec in m.rtp.codecs]
    video_codecs = tuple(dict.fromkeys(VIDEO_CODECS[name] for name in offered_video if name in VIDEO_CODECS))
    has_audio = any(name in AUDIO_CODECS for name in offered_audio)
    if (video and not video_codecs) or (audio and not has_audio):
        offered = ", ".join(sorted(set(offered_video + offered_audio))) or "none"
        raise UnsupportedOffer(
            f"Shopcast records H.264 or VP8 video with Opus audio; the offer has: {offered}",
        )
    if not video:
        raise InvalidOffer("the offer has no video; send a camera or screen track", code="no_video")
    if len(video) > 1 or len(audio) > 1 or len(description.media) > len(video) + len(audio):
        raise InvalidOffer(
            "send one video and at most one audio track (no data channels or extra tracks)",
            code="too_many_tracks",
        )
    return Offer(_recordable_only(text, description), video_codecs, has_audio)


def _recordable_only(text: str, description: sdp.SessionDescription) -> str:
    """The offer with every codec we would not keep taken out, so aiortc cannot answer with one (it
    picks in the offer's order; preferences set after the offer come too late). Only the m= lines
    and those codecs' own attributes change: the rest stays byte for byte."""
    keep: list[set[int]] = []
    for media in description.media:
        wanted = set(VIDEO_CODECS) if media.kind == "video" else set(AUDIO_CODECS)
        kept: set[int | None] = {c.payloadType for c in media.rtp.codecs if c.name.lower() in wanted}
        kept |= {
            c.payloadType
            for c in media.rtp.codecs
            if c.name.lower() == "rtx" and c.parameters.get("apt") in kept
        }
        keep.append({pt for pt in kept if pt is not None})
    out, section = [], -1
    for line in text.splitlines():
        if line.startswith("m="):
            section += 1
            head, types = line.split(" ")[:3], line.split(" ")[3:]
            line = " ".join(head + [t for t in types if t.isdigit() and int(t) in keep[section]])
        elif section >= 0 and (codec := _CODEC_LINE.match(line)) and int(codec.group(1)) not in keep[section]:
            continue
        out.append(line)
    return "\r\n".join(out) + "\r\n"
