"""WebVTT and SRT files: writing cues out, reading a PD's corrected file back in, re-timing cues for a cut.

Parsed cues carry plain text: markup (``<i>``, ``<c.yellow>``, and in SRT ``{\\an8}``) is dropped and
WebVTT's character references are decoded, so whatever is rendered again is escaped again.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from shopcast.media.cues import Cue

__all__ = [
    "MAX_CUES",
    "MAX_FILE_BYTES",
    "SubtitleFileError",
    "decode_subtitle_bytes",
    "parse_srt",
    "parse_subtitles",
    "parse_vtt",
    "render_srt",
    "render_vtt",
    "shift_cues",
]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_CUES = 10_000
_MIN_PIECE_S = 2 / 24  # a cue clipped by a cut to less than two frames is a flash, not a subtitle

_VTT_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t]+(.*))?$")
_SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})"
_SRT_TIMING = re.compile(rf"^{_SRT_TIME}[ \t]*-->[ \t]*{_SRT_TIME}(?:[ \t]+.*)?$")
_VTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_VTT_SKIPPED_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t].*)?$")
_VTT_MARKUP = re.compile(r"<[^>\n]*>")
_SRT_MARKUP = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")  # HTML-like tags and ASS overrides such as {\an8}


class SubtitleFileError(ValueError):
    """A subtitle file that cannot be used; ``str()`` is a sentence a PD can act on."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class _Block:
    """Consecutive non-blank lines and the 1-based number of the first one."""

    line: int
    lines: list[str]


def render_vtt(cues: Sequence[Cue]) -> str:
    """A W3C WebVTT file with the cues in order, their text escaped."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        timing = f"{_timestamp(cue.start_s, '.')} --> {_timestamp(cue.end_s, '.')}"
        text = [_escape_vtt(line) for line in _text_lines(cue)]
        blocks.append("\n".join([timing, *text]) + "\n")
    return "\n".join(blocks)


def render_srt(cues: Sequence[Cue]) -> str:
    """A SubRip file: numbered cues with ``HH:MM:SS,mmm`` times."""
    blocks = []
    for number, cue in enumerate(cues, start=1):
        timing = f"{_timestamp(cue.start_s, ',')} --> {_timestamp(cue.end_s, ',')}"
        blocks.append("\n".join([str(number), timing, *_text_lines(cue)]) + "\n")
    return "\n".join(blocks)


def parse_subtitles(text: str) -> list[Cue]:
    """Cues from a WebVTT or SRT file, whichever it is. Raises SubtitleFileError."""
    body = _normalise(text)
    if not body.strip():
        raise SubtitleFileError("the file is empty")
    first = next((line for line in body.split("\n") if line.strip()), "")
    if first.startswith("WEBVTT"):
        return parse_vtt(body)
    if first.strip().isdigit() or "-->" in first:
        return parse_srt(body)
    number = next((n for n, line in enumerate(body.split("\n"), start=1) if line.strip()), 1)
    raise SubtitleFileError(
        "not a subtitle file: a WebVTT file starts with 'WEBVTT', an SRT file with the cue number 1", number
    )


def parse_vtt(text: str) -> list[Cue]:
    """Cues from a WebVTT file; NOTE, STYLE and REGION blocks and cue settings are ignored.

    Raises SubtitleFileError for a missing header, malformed timings, cues that end before they start,
    overlap or come out of order, and files over ``MAX_FILE_BYTES`` or ``MAX_CUES``.
    """
    blocks = list(_blocks(_normalise(text)))
    if not blocks or not _VTT_HEADER.match(blocks[0].lines[0]):
        raise SubtitleFileError("a WebVTT file must start with the line 'WEBVTT'", 1)
    _check_header(blocks[0])
    cues: list[tuple[int, Cue]] = []
    for block in blocks[1:]:
        if _VTT_SKIPPED_BLOCK.match(block.lines[0]) and "-->" not in block.lines[0]:
            continue
        cues.append(_vtt_cue(block))
        _check_count(len(cues), block.line)
    return _checked(cues)


def parse_srt(text: str) -> list[Cue]:
    """Cues from a SubRip file. Raises SubtitleFileError as ``parse_vtt`` does."""
    cues: list[tuple[int, Cue]] = []
    for block in _blocks(_normalise(text)):
        cues.append(_srt_cue(block))
        _check_count(len(cues), block.line)
    return _checked(cues)


def decode_subtitle_bytes(data: bytes) -> str:
    """The text of an uploaded subtitle file: UTF-8 (with or without BOM), UTF-16 with BOM, or CP949.

    Korean PDs' tools often save SRT in CP949; anything else raises SubtitleFileError.
    """
    if len(data) > MAX_FILE_BYTES:
        raise SubtitleFileError(f"the file is {len(data)} bytes; the limit is {MAX_FILE_BYTES} bytes")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise SubtitleFileError("the file starts like UTF-16 but is not valid UTF-16 text") from error
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise SubtitleFileError("the file is not text in UTF-8 (or UTF-16, or CP949)")


def shift_cues(cues: Sequence[Cue], ranges: Sequence[tuple[float, float]]) -> list[Cue]:
    """Cues re-timed to a cut made of source ranges ``[(in_s, out_s), ...]`` played one after another.

    A cue partly inside a range is clipped to it, one outside every range (or inside it for less than two
    frames) is dropped, and one that runs across the seam of two ranges stays one cue. Raises ValueError
    for an empty or negative range.
    """
    in_order = sorted(cues, key=lambda cue: cue.start_s)
    shifted: list[Cue] = []
    offset = 0.0
    for in_s, out_s in ranges:
        if in_s < 0 or out_s <= in_s:
            raise ValueError(f"range ({in_s}, {out_s}) must satisfy 0 <= in < out")
        for cue in in_order:
            start, end = max(cue.start_s, in_s), min(cue.end_s, out_s)
            if end - start >= _MIN_PIECE_S:
                _append_joined(shifted, Cue(start - in_s + offset, end - in_s + offset, cue.lines))
        offset += out_s - in_s
    return shifted


def _append_joined(cues: list[Cue], cue: Cue) -> None:
    last = cues[-1] if cues else None
    if last is not None and last.lines == cue.lines and abs(last.end_s - cue.start_s) < 1e-6:
        cues[-1] = Cue(last.start_s, cue.end_s, cue.lines)
    else:
        cues.append(cue)


def _timestamp(seconds: float, separator: str) -> str:
    if seconds < 0:
        raise ValueError(f"negative cue time {seconds}")
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _text_lines(cue: Cue) -> list[str]:
    """Cue lines without the blank lines or stray newlines that would end the cue early."""
    return [part.strip() for line in cue.lines for part in line.splitlines() if part.strip()]


def _escape_vtt(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _normalise(text: str) -> str:
    if len(text.encode("utf-8", errors="surrogatepass")) > MAX_FILE_BYTES:
        raise SubtitleFileError(f"the file is larger than {MAX_FILE_BYTES} bytes")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _blocks(text: str) -> Iterator[_Block]:
    block: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line.rstrip())
        elif block:
            yield _Block(first, block)
            block = []
    if block:
        yield _Block(first, block)


def _check_header(header: _Block) -> None:
    for offset, line in enumerate(header.lines[1:], start=1):
        if "-->" in line:
            raise SubtitleFileError(
                "a blank line must separate the 'WEBVTT' header from the first cue", offset + 1
            )


def _check_count(count: int, line: int) -> None:
    if count > MAX_CUES:
        raise SubtitleFileError(f"more than {MAX_CUES} cues", line)


def _vtt_cue(block: _Block) -> tuple[int, Cue]:
    has_identifier = "-->" not in block.lines[0]
    timing_at = 1 if has_identifier else 0
    line = block.line + timing_at
    expected = "a cue timing 'HH:MM:SS.mmm --> HH:MM:SS.mmm'"
    if timing_at >= len(block.lines) or "-->" not in block.lines[timing_at]:
        raise SubtitleFileError(f"expected {expected}, found {block.lines[0].strip()!r}", block.line)
    found = block.lines[timing_at].strip()
    match = _VTT_TIMING.match(found)
    if match is None:
        raise SubtitleFileError(f"malformed cue timing {found!r}: expected {expected}", line)
    start, end = _seconds(match.groups()[0:4]), _seconds(match.groups()[4:8])
    payload = _payload(block, timing_at + 1, lambda raw: "-->" in raw)
    return _timed_cue(start, end, [_plain(html.unescape(_VTT_MARKUP.sub("", raw))) for raw in payload], line)


def _srt_cue(block: _Block) -> tuple[int, Cue]:
    numbered = block.lines[0].strip().isdigit()
    timing_at = 1 if numbered else 0
    line = block.line + timing_at
    if timing_at >= len(block.lines):
        raise SubtitleFileError(f"cue {block.lines[0].strip()} has no timing line", block.line)
    match = _SRT_TIMING.match(block.lines[timing_at].strip())
    if match is None:
        expected = "'HH:MM:SS,mmm --> HH:MM:SS,mmm'"
        found = block.lines[timing_at].strip()
        what = "a cue number or timing" if not numbered else "a cue timing"
        raise SubtitleFileError(f"expected {what} {expected}, found {found!r}", line)
    groups = match.groups()
    start, end = _seconds(groups[0:4]), _seconds(groups[4:8])
    payload = _payload(block, timing_at + 1, lambda raw: _SRT_TIMING.match(raw.strip()) is not None)
    return _timed_cue(start, end, [_plain(_SRT_MARKUP.sub("", raw)) for raw in payload], line)


def _payload(block: _Block, first: int, is_timing: Callable[[str], bool]) -> list[str]:
    """The cue's text lines; a timing among them means a blank line is missing between two cues."""
    for offset, raw in enumerate(block.lines[first:], start=first):
        if is_timing(raw):
            message = "a cue timing inside the text of the cue before it: put a blank line before it"
            raise SubtitleFileError(message, block.line + offset)
    return block.lines[first:]


def _seconds(parts: Sequence[str | None]) -> float:
    hours, minutes, seconds, fraction = parts
    whole = int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds or 0)
    return whole + int((fraction or "0").ljust(3, "0")) / 1000


def _plain(line: str) -> str:
    return " ".join(line.split())


def _timed_cue(start: float, end: float, text: list[str], line: int) -> tuple[int, Cue]:
    if end <= start:
        raise SubtitleFileError(f"cue ends at {_clock(end)}, not after it starts at {_clock(start)}", line)
    return line, Cue(start, end, tuple(part for part in text if part))


def _checked(cues: list[tuple[int, Cue]]) -> list[Cue]:
    """Cues in order without overlap; the error names both cues by line and time."""
    if not cues:
        raise SubtitleFileError("the file contains no cues")
    for (before_line, before), (line, cue) in itertools.pairwise(cues):
        if cue.start_s < before.start_s:
            raise SubtitleFileError(
                f"cue starts at {_clock(cue.start_s)}, before the cue on line {before_line} "
                f"({_clock(before.start_s)}); cues must be in time order",
                line,
            )
        if cue.start_s < before.end_s:
            raise SubtitleFileError(
                f"cue starts at {_clock(cue.start_s)}, while the cue on line {before_line} is still showing "
                f"(until {_clock(before.end_s)}); cues must not overlap",
                line,
            )
    return [cue for _, cue in cues]


def _clock(seconds: float) -> str:
    return _timestamp(seconds, ".")
