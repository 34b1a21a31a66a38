"""Text on a clip: sizes and places of the title and overlays, and whether a line fits the frame.

Sizes follow the frame's short side (as burned subtitles do), so a 1080x1920 short and a 1920x1080
landscape clip get the same text. Widths are estimated, not shaped: a Hangul syllable (or any other
wide character) is about one em in NanumGothic, Latin letters, digits and spaces about 0.55 em.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from transcode.subtitles.command import KOREAN_FONTS_DIR

__all__ = ["TextLayout", "em_width", "font_file", "overlay_text"]

REGULAR_FONT = KOREAN_FONTS_DIR / "NanumGothic.ttf"
BOLD_FONT = KOREAN_FONTS_DIR / "NanumGothicBold.ttf"
_TITLE_SCALE = 0.06
_OVERLAY_SCALE = 0.045
_MARGIN_SCALE = 0.05
_PADDING_EM = 0.3
_NARROW_EM = 0.55
# Burned subtitles sit at the bottom centre: two lines at 5 % of the short side over a 5 % margin
# (shopcast/media/ass_style.py); bottom overlays stay above them.
_SUBTITLE_BAND_SCALE = 0.05 * 2.4


def em_width(text: str) -> float:
    """Estimated width of a line of text, in ems."""
    return sum(1.0 if unicodedata.east_asian_width(char) in ("W", "F") else _NARROW_EM for char in text)


def overlay_text(text: str | None, name: str | None, price: str | None) -> str:
    """The line an overlay shows: its text, or a product's name and price."""
    if text:
        return text
    return f"{name}  {price}" if price else name or ""


@dataclass(frozen=True)
class TextLayout:
    """Where text goes on a `width` x `height` frame."""

    width: int
    height: int
    subtitles: bool = False

    @property
    def _short(self) -> int:
        return min(self.width, self.height)

    @property
    def title_size(self) -> int:
        return round(self._short * _TITLE_SCALE)

    @property
    def overlay_size(self) -> int:
        return round(self._short * _OVERLAY_SCALE)

    @property
    def margin(self) -> int:
        return round(self._short * _MARGIN_SCALE)

    def padding(self, font_size: int) -> int:
        """The box drawn around a line of text extends this far beyond it."""
        return round(font_size * _PADDING_EM)

    def available_px(self, font_size: int) -> int:
        return self.width - 2 * self.margin - 2 * self.padding(font_size)

    def text_px(self, text: str, font_size: int) -> int:
        return round(em_width(text) * font_size)

    def fits(self, text: str, font_size: int) -> bool:
        return self.text_px(text, font_size) <= self.available_px(font_size)

    def top_y(self, has_title: bool) -> int:
        """The top edge of top overlays' text: below the title when there is one."""
        if not has_title:
            return self.margin + self.padding(self.overlay_size)
        title_band = self.title_size + 2 * self.padding(self.title_size)
        return self.margin + title_band + self.margin // 2 + self.padding(self.overlay_size)

    def bottom_gap(self) -> int:
        """Distance from the frame's bottom edge to bottom overlays' text."""
        band = (
            round(self.height * _MARGIN_SCALE + self._short * _SUBTITLE_BAND_SCALE) if self.subtitles else 0
        )
        return self.margin + band + self.padding(self.overlay_size)


def font_file(bold: bool) -> Path:
    return BOLD_FONT if bold else REGULAR_FONT
