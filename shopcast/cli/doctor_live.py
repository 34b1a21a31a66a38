"""`shopcast doctor`'s live ingest checks: are the RTMP engine and the SRT listener installed, and is
something answering on their ports?"""

from __future__ import annotations

import socket

from shopcast.cli.doctor import Check
from shopcast.settings import Settings

__all__ = ["live_ingest_checks"]


def _reachable_host(settings: Settings) -> str:
    host = settings.live_listen_host
    return "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)  # noqa: S104


def live_ingest_checks(settings: Settings) -> list[Check]:
    return [_rtmp(settings), _srt(settings)]


def _rtmp(settings: Settings) -> Check:
    from ingest import rtmp_missing_parts

    if not settings.rtmp_port:
        return Check("rtmp ingest", "ok", "off (SHOPCAST_RTMP_PORT=0)")
    missing = rtmp_missing_parts(settings)
    if missing:
        fix = f"apt-get install {' '.join(missing)} (make install does, as root)"
        return Check("rtmp ingest", "fail", f"missing Debian packages: {' '.join(missing)}", fix)
    host, port = _reachable_host(settings), settings.rtmp_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return Check("rtmp ingest", "ok", f"nginx RTMP engine listening on {host}:{port}")
    except OSError as exc:
        fix = "start it: `shopcast up` runs it, or `shopcast rtmp` alone"
        return Check("rtmp ingest", "warn", f"installed, nothing listening on {host}:{port} ({exc})", fix)


def _srt(settings: Settings) -> Check:
    from ingest import srt_answers, srt_available

    ports = settings.srt_port_range
    if not ports:
        return Check("srt ingest", "ok", 'off (SHOPCAST_SRT_PORTS="")')
    if not srt_available():
        fix = "apt-get install libsrt1.5-openssl (make install does, as root)"
        return Check("srt ingest", "fail", "libsrt is not installed", fix)
    host, port = _reachable_host(settings), ports[0]  # the API listens on the first free one
    if srt_answers(host, port, timeout_ms=1000):
        return Check("srt ingest", "ok", f"SRT listener answering on {host}:{port}")
    fix = "start the API (`shopcast up` or `shopcast api`): it listens for SRT"
    return Check("srt ingest", "warn", f"libsrt installed, no listener on {host}:{port}", fix)
