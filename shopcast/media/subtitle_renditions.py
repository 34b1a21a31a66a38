"""The `#EXT-X-MEDIA` line of a WebVTT rendition in an HLS master, for recordings and live alike."""

from __future__ import annotations

# What players show in their subtitle menus, by ISO 639-1 code; other codes show as the code.
LANGUAGE_NAMES = {"ko": "한국어", "en": "English", "ja": "日本語", "zh": "中文"}


def subtitle_media_line(group: str, language: str, uri: str, *, default: bool = False) -> str:
    name = LANGUAGE_NAMES.get(language, language)
    return (
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{group}",NAME="{name}",LANGUAGE="{language}",'
        f'DEFAULT={"YES" if default else "NO"},AUTOSELECT=YES,URI="{uri}"'
    )
