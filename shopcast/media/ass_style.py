"""ASS scripts for burning cues into the picture with libass (FFmpeg's ``subtitles``/``ass`` filters).

Sizes follow the picture's short side, so a vertical 1080x1920 feed gets the same text size as a
1920x1080 one: 5 % for the font, 5 % margins, white text with a black outline at the bottom centre.
"""

from __future__ import annotations

from collections.abc import Sequence

from shopcast.media.cues import Cue

__all__ = ["DEFAULT_FONT", "render_ass"]

DEFAULT_FONT = "NanumGothic"
_FONT_SCALE = 0.05
_MARGIN_SCALE = 0.05
_WHITE = "&H00FFFFFF"
_RED = "&H000000FF"  # karaoke colour, unused but required by the format
_BLACK = "&H00000000"
_HALF_BLACK = "&H80000000"
_BOTTOM_CENTRE = 2
# libass reads a backslash before N, n, h, { or } as an escape; a word joiner after it keeps it literal.
_WORD_JOINER = "\u2060"

_STYLE_FIELDS = (
    "Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
    "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
    "MarginL, MarginR, MarginV, Encoding"
)
_EVENT_FIELDS = "Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"


def render_ass(cues: Sequence[Cue], width: int, height: int, font: str = DEFAULT_FONT) -> str:
    """An ASS script for a ``width`` x ``height`` picture showing ``cues`` in ``font``.

    Raises ValueError for a non-positive size or a font name that would break the style line.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"picture size {width}x{height} must be positive")
    if not font.strip() or any(char in font for char in ",\r\n"):
        raise ValueError(f"font name {font!r} must be non-empty without commas or line breaks")
    sections = [
        _script_info(width, height),
        _styles(width, height, font.strip()),
        "\n".join(["[Events]", f"Format: {_EVENT_FIELDS}", *map(_dialogue, cues)]),
    ]
    return "\n\n".join(sections) + "\n"


def _script_info(width: int, height: int) -> str:
    return "\n".join(
        [
            "[Script Info]",
            "; Written by Shopcast for burn-in",
            "ScriptType: v4.00+",
            f"PlayResX: {width}",
            f"PlayResY: {height}",
            "WrapStyle: 3",  # our lines are already broken; libass wraps only what overflows, bottom-heavy
            "ScaledBorderAndShadow: yes",
            "YCbCr Matrix: None",
        ]
    )


def _styles(width: int, height: int, font: str) -> str:
    short_side = min(width, height)
    size = round(short_side * _FONT_SCALE)
    outline = max(1, round(size / 18))
    side, bottom = round(width * _MARGIN_SCALE), round(height * _MARGIN_SCALE)
    values = [
        "Default", font, size, _WHITE, _RED, _BLACK, _HALF_BLACK, 0, 0, 0, 0, 100, 100, 0, 0,
        1, outline, 1, _BOTTOM_CENTRE, side, side, bottom, 1,
    ]  # fmt: skip
    return "\n".join(["[V4+ Styles]", f"Format: {_STYLE_FIELDS}", "Style: " + ",".join(map(str, values))])


def _dialogue(cue: Cue) -> str:
    start = _centiseconds(cue.start_s)
    end = max(_centiseconds(cue.end_s), start + 1)
    text = r"\N".join(_escape(line) for line in cue.lines if line.strip())
    return f"Dialogue: 0,{_clock(start)},{_clock(end)},Default,,0,0,0,,{text}"


def _escape(line: str) -> str:
    """Plain text as libass shows it: no override blocks, no escapes, on one line."""
    line = " ".join(line.split())
    line = line.replace("\\", "\\" + _WORD_JOINER)
    return line.replace("{", r"\{").replace("}", r"\}")


def _centiseconds(seconds: float) -> int:
    if seconds < 0:
        raise ValueError(f"negative cue time {seconds}")
    return round(seconds * 100)


def _clock(centiseconds: int) -> str:
    hours, rest = divmod(centiseconds, 360_000)
    minutes, rest = divmod(rest, 6000)
    seconds, hundredths = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{hundredths:02d}"
