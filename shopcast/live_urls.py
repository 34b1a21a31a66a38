"""Where encoders send a live stream: the RTMP server and key, the SRT caller URL. Live streams and
bookings both tell their creators (ingest/live, studio_booking), so they are built here, once.

OBS and PRISM take `rtmp_url` as the server and the stream key as the key, so they publish to
`{rtmp_url}/{stream_key}`. `srt_url` is complete: FFmpeg and OBS use it as it is. It carries the key
as the SRT stream id and a passphrase of the stream's own, derived from the key and the server's
secret, so the media is encrypted on the way and only this key's publisher can open the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

from shopcast.settings import Settings

RTMP_APP = "live"


def _host(settings: Settings) -> str:
    host = settings.live_host
    return f"[{host}]" if ":" in host else host


def rtmp_url(settings: Settings) -> str | None:
    return f"rtmp://{_host(settings)}:{settings.rtmp_port}/{RTMP_APP}" if settings.rtmp_port else None


def rtmps_url(settings: Settings) -> str | None:
    return f"rtmps://{_host(settings)}:{settings.rtmps_port}/{RTMP_APP}" if settings.rtmps_enabled else None


def srt_passphrase(settings: Settings, stream_key: str) -> str:
    """32 URL-safe characters (SRT takes 10 to 79), the same for a key on every node."""
    digest = hmac.new(settings.secret_key.encode(), b"srt-passphrase:" + stream_key.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode()[:32]


def srt_url(settings: Settings, stream_key: str, port: int | None = None) -> str | None:
    """The caller URL of `stream_key` at `port` (default: the first SRT port); None when SRT is off."""
    ports = settings.srt_port_range
    if not ports:
        return None
    query = (
        f"streamid={quote(stream_key, safe='')}&passphrase={srt_passphrase(settings, stream_key)}&pbkeylen=16"
    )
    return f"srt://{_host(settings)}:{port or ports[0]}?mode=caller&{query}"
