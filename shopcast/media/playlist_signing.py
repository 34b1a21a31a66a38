"""Carry a playback token into every URI of a playlist, so players need no headers."""

from __future__ import annotations

import re

_URI_ATTRIBUTE = re.compile(r'URI="([^"?]+)"')


def sign_playlist(text: str, token: str) -> str:
    """Append `?token=` to each media URI line and to URI="..." attributes (EXT-X-MAP, EXT-X-MEDIA)."""
    signed = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            signed.append(f"{stripped}?token={token}")
        else:
            signed.append(_URI_ATTRIBUTE.sub(lambda m: f'URI="{m.group(1)}?token={token}"', line))
    return "\n".join(signed) + "\n"
