"""Classify a file from its first and last bytes before any demuxer sees it.

FFmpeg's format whitelist already refuses playlists, concat lists and image demuxers; sniffing
first lets us say why (`unsafe_input` for a playlist, `unsupported_format` for a picture) and read
limits such as a raw frame's size from a header FFmpeg would choke on.
"""

from __future__ import annotations

import re

from ingest.probe.rejections import InputRejected

_STILL_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)
_PLAYLIST_MARKERS = (
    (re.compile(rb"^\s*#EXTM3U"), "an HLS/M3U playlist"),
    (re.compile(rb"^\s*ffconcat\s+version", re.IGNORECASE), "an FFmpeg concat list"),
    (re.compile(rb"\A\s*(#[^\n]*\n\s*)*file\s+\S"), "an FFmpeg concat list"),
    (re.compile(rb"^\s*\[playlist\]", re.IGNORECASE), "a PLS playlist"),
    (re.compile(rb"<\s*(MPD|smil|playlist|ASX)\b", re.IGNORECASE), "a streaming manifest"),
    (re.compile(rb"\A\s*v=0\r?\n"), "an SDP description"),
)
_Y4M = re.compile(rb"^YUV4MPEG2 (?P<params>[^\n]*)\n")
_MEDIA_MARKERS = (b"ftyp", b"moov", b"mdat", b"mvhd", b"trak", b"\x1aE\xdf\xa3", b"RIFF", b"FLV\x01")


def sniff(head: bytes, tail: bytes, size: int, max_long: int, max_short: int) -> None:
    """Raise InputRejected for inputs that must not reach a demuxer; return quietly otherwise."""
    if size == 0:
        raise InputRejected("corrupt", "the file is empty (0 bytes)")
    for pattern, what in _PLAYLIST_MARKERS:
        if pattern.search(head[:4096]):
            raise InputRejected(
                "unsafe_input", f"this is {what}, which points at other files; upload the media"
            )
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        raise InputRejected("unsupported_format", "this is a WebP image; upload video, not a still picture")
    for magic, what in _STILL_IMAGES:
        if head.startswith(magic):
            raise InputRejected("unsupported_format", f"this is {what}; upload video, not pictures")
    _check_y4m(head, max_long, max_short)
    if _is_text(head):
        raise InputRejected("unsupported_format", "this is a text file, not audio or video")


def _check_y4m(head: bytes, max_long: int, max_short: int) -> None:
    match = _Y4M.match(head)
    if not match:
        return
    params = dict((p[:1], p[1:]) for p in match.group("params").split())
    try:
        width, height = int(params.get(b"W", b"0")), int(params.get(b"H", b"0"))
    except ValueError as exc:
        raise InputRejected("corrupt", "the raw video header is unreadable") from exc
    if max(width, height) > max_long or min(width, height) > max_short:
        raise InputRejected(
            "too_large", f"frames of {width}x{height} exceed the limit of {max_long}x{max_short}"
        )


def _is_text(head: bytes) -> bool:
    sample = head[:4096]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(sample) - 3
    return True


def looks_like_media(head: bytes, tail: bytes) -> bool:
    """Whether damaged bytes still carry container structure (so: corrupt, not an unknown format)."""
    if any(marker in head or marker in tail for marker in _MEDIA_MARKERS):
        return True
    return _mpegts_sync(head)


def _mpegts_sync(data: bytes) -> bool:
    for start in range(min(188, len(data))):
        if all(start + i * 188 < len(data) and data[start + i * 188] == 0x47 for i in range(5)):
            return True
    return False
