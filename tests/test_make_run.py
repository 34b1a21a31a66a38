"""`make run` on a fresh clone serves /healthz within a minute of installing, takes RTMP and SRT from
studio encoders, and shuts down cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from ingest import srt_answers
from tests.harness.polling import wait_until
from tests.harness.services import free_port

ROOT = Path(__file__).resolve().parent.parent


def _wait_healthy(url: str, seconds: float) -> float:
    """Seconds until `url` answers 200."""

    def healthy() -> bool:
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    started = time.monotonic()
    wait_until(healthy, timeout_s=seconds, interval_s=0.25, what=f"{url} answering 200")
    return time.monotonic() - started


def _admin_signs_in_with_the_printed_password(log: Path, port: int) -> None:
    printed = re.search(r"with the password: (\S+)", log.read_text())
    assert printed is not None, "make run printed no first password"
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as browser:
        answer = browser.post("/v1/sessions", json={"name": "admin", "password": printed.group(1)})
        assert answer.status_code == 201, answer.text
        assert browser.get("/v1/me").json()["role"] == "admin"


def _studio_encoders_can_connect(up: psutil.Process) -> None:
    """The RTMP engine (nginx) runs under the supervisor on 1935, and the API answers SRT on 8890."""
    wait_until(
        lambda: any(p.name() == "nginx" for p in up.children(recursive=True)),
        timeout_s=30,
        interval_s=0.25,
        what="nginx under `shopcast up`",
    )
    with socket.create_connection(("127.0.0.1", 1935), timeout=5):
        pass
    assert srt_answers("127.0.0.1", 8890), "no SRT listener on the first default port"


def _shopcast_up(make: psutil.Process) -> psutil.Process:
    for child in make.children(recursive=True):
        if "up" in child.cmdline() and any("shopcast" in part for part in child.cmdline()):
            return child
    raise AssertionError("no `shopcast up` process under make")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("fresh") / "shopcast"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    subprocess.run(["make", "install"], cwd=target, check=True, timeout=900, capture_output=True)
    return target


def test_make_run_serves_health_and_stops_on_sigterm(clone: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPCAST_")}
    log = (clone / "run.log").open("wb")
    make = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert _wait_healthy(f"http://127.0.0.1:{port}/healthz", 60) < 60
        _admin_signs_in_with_the_printed_password(clone / "run.log", port)
        up = _shopcast_up(psutil.Process(make.pid))
        tree = up.children(recursive=True)
        assert len(tree) >= 2, "API and worker run under the supervisor"
        _studio_encoders_can_connect(up)

        api = next(p for p in up.children() if "api" in p.cmdline())
        api.kill()
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", 30)

        tree = up.children(recursive=True)  # the restarted API included
        up.send_signal(signal.SIGTERM)
        make.wait(timeout=30)
        _gone, alive = psutil.wait_procs([up, *tree], timeout=10)
        assert alive == [], f"left running after SIGTERM: {[p.pid for p in alive]}"
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        log.close()
    output = (clone / "run.log").read_text()
    assert "created user 'admin'" in output
    assert output.count("with the password: ") == 1
    assert (clone / "data" / "shopcast.db").exists()
