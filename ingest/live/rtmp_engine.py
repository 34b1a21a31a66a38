"""The RTMP engine: Debian's nginx with its RTMP module, configured and run for Shopcast.

nginx speaks RTMP with the encoders; Shopcast decides. Its `on_publish` callback asks the API whether
a key may publish now (any answer but 2xx refuses the publisher), `on_publish_done` tells it the
publisher left, and `on_play` lets only the API's own readers play a stream: the API pulls each
stream it accepted from nginx, subscribed before nginx lets the publisher's first frame through, so
the recording misses nothing. A control socket lets the API disconnect a reader or a publisher.

RTMPS is nginx's stream module terminating TLS in front of the RTMP port, when a certificate and key
are configured. `shopcast rtmp` writes the configuration under the data directory and becomes nginx;
`shopcast up` supervises it like the API and workers.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from dataclasses import dataclass
from pathlib import Path

from shopcast.live_urls import RTMP_APP
from shopcast.settings import Settings

MODULES_DIR = Path("/usr/lib/nginx/modules")
RTMP_MODULE = MODULES_DIR / "ngx_rtmp_module.so"
STREAM_MODULE = MODULES_DIR / "ngx_stream_module.so"
CALLBACK_PATH = "/v1/live/rtmp"
DEBIAN_PACKAGES = ("nginx", "libnginx-mod-rtmp", "libnginx-mod-stream")


@dataclass(frozen=True)
class RtmpEngine:
    """Where the engine keeps its files, and the command that runs it in the foreground."""

    folder: Path
    conf: Path
    argv: list[str]


def engine_folder(settings: Settings) -> Path:
    return settings.resolved_data_dir / "rtmp"


def control_socket(settings: Settings) -> Path:
    """nginx's RTMP control endpoint (drop a client), on a socket only this host's processes reach."""
    return engine_folder(settings) / "control.sock"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        str(Path("/usr/sbin/nginx")) if Path("/usr/sbin/nginx").exists() else None
    )


def missing_parts(settings: Settings) -> list[str]:
    """The Debian packages the engine needs that this machine lacks (RTMPS needs the stream module)."""
    missing = []
    if nginx_binary() is None:
        missing.append("nginx")
    if not RTMP_MODULE.exists():
        missing.append("libnginx-mod-rtmp")
    if settings.rtmps_enabled and not STREAM_MODULE.exists():
        missing.append("libnginx-mod-stream")
    return missing


def callback_token(settings: Settings) -> str:
    """What nginx's callbacks carry to show they come from the engine this server configured."""
    digest = hmac.new(settings.secret_key.encode(), b"rtmp-callback", hashlib.sha256)
    return digest.hexdigest()[:32]


def callback_base(settings: Settings) -> str:
    return (settings.rtmp_callback_url or settings.public_url).rstrip("/") + CALLBACK_PATH


def nginx_conf(settings: Settings) -> str:
    """The whole nginx configuration for the RTMP (and RTMPS) listeners of `settings`."""
    folder = engine_folder(settings)
    modules = [RTMP_MODULE] + ([STREAM_MODULE] if settings.rtmps_enabled else [])
    lines = [f"load_module {module};" for module in modules]
    lines += [
        "worker_processes 1;  # one worker: a live stream's publisher and readers must meet in it",
        "daemon off;",
        f"pid {folder / 'nginx.pid'};",
        "error_log stderr warn;",
        "events { worker_connections 4096; }",
        _control_block(folder, control_socket(settings)),
        _rtmp_block(settings),
    ]
    if settings.rtmps_enabled:
        lines.append(_rtmps_block(settings))
    return "\n".join(lines) + "\n"


def _control_block(folder: Path, socket: Path) -> str:
    temp = folder / "temp"
    temps = "\n".join(
        f"  {kind}_temp_path {temp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "http {\n  access_log off;\n"
        f"{temps}\n"
        f"  server {{\n    listen unix:{socket};\n"
        "    location /control { rtmp_control all; }\n"
        "    location /stat { rtmp_stat all; }\n  }\n}"
    )


def _rtmp_block(settings: Settings) -> str:
    base, token = callback_base(settings), callback_token(settings)
    return (
        "rtmp {\n"
        "  access_log off;  # its lines carry stream names, which are stream keys\n"
        "  server {\n"
        f"    listen {_listen(settings, settings.rtmp_port)};\n"
        "    chunk_size 4096;\n"
        "    # nginx drops frames for a reader that falls behind by its whole queue (256 messages,\n"
        "    # about 3 s of a 2.5 Mb/s stream): a busy API gets a minute before that happens\n"
        "    out_queue 8192;\n"
        "    out_cork 64;\n"
        "    notify_method post;\n"
        "    netcall_timeout 10s;\n"
        f"    application {RTMP_APP} {{\n"
        "      live on;\n"
        "      record off;\n"
        "      # a reader may subscribe before its publisher is let in: nothing is lost at the start\n"
        "      idle_streams on;\n"
        f"      on_publish {base}/publish?token={token};\n"
        f"      on_publish_done {base}/publish_done?token={token};\n"
        f"      on_play {base}/play?token={token};\n"
        "      # publishers nobody here records any more (the API restarted) are let go, so they reconnect\n"
        f"      on_update {base}/update?token={token};\n"
        "      notify_update_timeout 10s;\n"
        "    }\n  }\n}"
    )


def _rtmps_block(settings: Settings) -> str:
    return (
        "stream {\n  server {\n"
        f"    listen {_listen(settings, settings.rtmps_port)} ssl;\n"
        f"    ssl_certificate {settings.rtmps_cert_file};\n"
        f"    ssl_certificate_key {settings.rtmps_key_file};\n"
        f"    proxy_pass 127.0.0.1:{settings.rtmp_port};\n"
        "  }\n}"
    )


def _listen(settings: Settings, port: int) -> str:
    host = settings.live_listen_host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def prepare_engine(settings: Settings) -> RtmpEngine:
    """Write the configuration (and nginx's folders) and return the engine; raises RuntimeError
    naming the Debian packages to install when the machine lacks them."""
    missing = missing_parts(settings)
    binary = nginx_binary()
    if missing or binary is None:
        raise RuntimeError(f"RTMP ingest needs the Debian packages: {' '.join(missing)}")
    folder = engine_folder(settings)
    (folder / "temp").mkdir(parents=True, exist_ok=True)
    control_socket(settings).unlink(missing_ok=True)  # a killed nginx leaves it behind
    conf = folder / "nginx.conf"
    conf.write_text(nginx_conf(settings))
    argv = [binary, "-p", str(folder), "-c", str(conf), "-e", "stderr"]
    return RtmpEngine(folder, conf, argv)
