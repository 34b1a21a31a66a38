"""A placeholder secret key ends `shopcast api`, `worker` and `up` at start, outside development
mode; a real secret, or SHOPCAST_DEV=1, starts them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from shopcast.migrations import upgrade
from shopcast.settings import Settings
from tests.harness.polling import wait_until
from tests.harness.services import free_port

CLI = [sys.executable, "-m", "shopcast.cli.main"]
_PLACEHOLDERS = ["", "dev-only-change-me", "change-me-in-dot-env", "CHANGE-ME-to-a-long-random-value"]


def _env(data_dir: Path, secret: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPCAST_")}
    env["SHOPCAST_DATA_DIR"] = str(data_dir)
    if secret is not None:  # None: the built-in default
        env["SHOPCAST_SECRET_KEY"] = secret
    return {**env, **extra}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("command", [["api", "--port", "1"], ["worker"], ["up", "--port", "1"]])
def test_the_default_secret_is_refused_at_start_without_the_dev_flag(
    tmp_path: Path, command: list[str]
) -> None:
    done = _run(command, _env(tmp_path, None))
    assert done.returncode == 78, done.stderr[-2000:]
    assert "SHOPCAST_SECRET_KEY is a placeholder" in done.stderr
    assert "SHOPCAST_DEV=1" in done.stderr
    assert "dev-only-change-me" not in done.stderr  # the message does not repeat the secret


@pytest.mark.parametrize("secret", _PLACEHOLDERS)
def test_every_placeholder_the_repository_ships_is_refused(tmp_path: Path, secret: str) -> None:
    done = _run(["worker"], _env(tmp_path, secret))
    assert done.returncode == 78, done.stderr[-2000:]
    assert "refusing to start" in done.stderr


@pytest.mark.parametrize(
    ("secret", "extra"),
    [("q7V3mXk2pL9sR4tW8yB1nC6dF0gH5jZ", {}), (None, {"SHOPCAST_DEV": "1"})],
    ids=["real-secret", "dev-flag"],
)
def test_a_real_secret_or_the_dev_flag_starts_the_api(
    tmp_path: Path, secret: str | None, extra: dict[str, str]
) -> None:
    upgrade(Settings(data_dir=tmp_path))
    port = free_port()
    process = subprocess.Popen(
        [*CLI, "api", "--port", str(port)],
        env=_env(tmp_path, secret, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: _healthy(port) or process.poll() is not None, timeout_s=60, what="the API answering"
        )
        assert process.poll() is None, f"the API exited with {process.returncode}"
        assert _healthy(port)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
