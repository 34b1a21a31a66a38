"""`shopcast doctor` passes on a healthy embedded setup and names the fix for what is broken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shopcast.migrations import upgrade
from shopcast.settings import Settings
from tests.harness.services import free_port, free_udp_port
from tests.harness.stack import Stack

CLI = [sys.executable, "-m", "shopcast.cli.main", "doctor"]


def _doctor(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOPCAST_")},
        "SHOPCAST_DATA_DIR": str(data_dir),
        "COLUMNS": "250",  # rich wraps cells to the terminal width; keep each row on one line
        **env,
    }
    return subprocess.run([*CLI, *args], env=full, capture_output=True, text=True, timeout=120, check=False)


def _checks(done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, str]]:
    return {entry["name"]: entry for entry in map(json.loads, done.stdout.splitlines())}


def _row(output: str, check: str) -> str:
    rows = [line for line in output.splitlines() if line.startswith(f"│ {check} ")]
    assert len(rows) == 1, f"no single row for {check}:\n{output}"
    return rows[0]


def test_a_migrated_embedded_setup_is_healthy(tmp_path: Path) -> None:
    upgrade(Settings(data_dir=tmp_path))
    done = _doctor(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("settings", "database", "migrations", "broker", "storage", "speech model", "disk"):
        assert "│ ok " in _row(done.stdout, check), check
    for feature in ("libx264", "libx265", "libvpx", "libsvtav1", "libvmaf", "whip"):
        assert "│ ok " in _row(done.stdout, f"ffmpeg {feature}"), feature
    assert not list((tmp_path / "objects").rglob("probe")), "the storage probe was deleted"


def test_an_unmigrated_database_fails_with_the_migrate_fix(tmp_path: Path) -> None:
    done = _doctor(tmp_path, "--json")
    assert done.returncode == 1
    migrations = _checks(done)["migrations"]
    assert migrations["status"] == "fail"
    assert "shopcast migrate" in migrations["fix"]


def test_dead_database_and_broker_ports_fail_with_a_fix(tmp_path: Path) -> None:
    db_port, broker_port = free_port(), free_port()
    done = _doctor(
        tmp_path,
        "--json",
        SHOPCAST_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{db_port}/shopcast",
        SHOPCAST_BROKER_URL=f"redis://127.0.0.1:{broker_port}/0",
        SHOPCAST_SECRET_KEY="a-long-random-production-secret",
    )
    assert done.returncode == 1
    checks = _checks(done)
    database, broker = checks["database"], checks["broker"]
    assert database["status"] == "fail"
    assert "SHOPCAST_DATABASE_URL" in database["fix"]
    assert f"127.0.0.1:{db_port}" in database["fix"]
    assert "refused" in database["detail"].lower()
    assert broker["status"] == "fail"
    assert "SHOPCAST_BROKER_URL" in broker["fix"]
    assert f"127.0.0.1:{broker_port}" in broker["fix"]
    assert checks["storage"]["status"] == "ok", "the other checks still ran"


def test_the_development_secret_on_shared_services_fails(tmp_path: Path) -> None:
    done = _doctor(tmp_path, "--json", SHOPCAST_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert done.returncode == 1
    settings = _checks(done)["settings"]
    assert settings["status"] == "fail"
    assert "SHOPCAST_SECRET_KEY" in settings["fix"]


def test_live_ingest_is_ok_where_the_engines_listen_and_a_warning_where_they_do_not(
    stack: Stack, tmp_path: Path
) -> None:
    ports = {key: stack.env[key] for key in ("SHOPCAST_RTMP_PORT", "SHOPCAST_SRT_PORTS")}
    listening = _checks(_doctor(tmp_path, "--json", SHOPCAST_LIVE_LISTEN_HOST="127.0.0.1", **ports))
    assert listening["rtmp ingest"]["status"] == "ok", listening["rtmp ingest"]
    assert listening["srt ingest"]["status"] == "ok", listening["srt ingest"]

    elsewhere = {"SHOPCAST_RTMP_PORT": str(free_port()), "SHOPCAST_SRT_PORTS": str(free_udp_port())}
    silent = _checks(_doctor(tmp_path, "--json", SHOPCAST_LIVE_LISTEN_HOST="127.0.0.1", **elsewhere))
    for check in ("rtmp ingest", "srt ingest"):
        assert silent[check]["status"] == "warn", silent[check]
        assert "shopcast up" in silent[check]["fix"], silent[check]
