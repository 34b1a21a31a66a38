"""`shopcast up` itself on loopback: the supervisor with the one-box lanes it starts, as `make run` runs
them, for tests and benchmarks that are about that layout rather than a farm's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.harness.polling import wait_until
from tests.harness.stack import Stack

BANNER = "shopcast is up on"


@dataclass
class OneBox:
    """The supervisor's process; `stack` gives the database, clients and users (it starts nothing)."""

    stack: Stack
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 60) -> str:
        return self.stack.log_tail("up", lines)

    def stop(self) -> None:
        """SIGTERM to the supervisor, which stops its children politely; SIGKILL to all if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.stack.stop_all()


def boot_one_box(name: str, env: dict[str, str], data_dir: Path, port: int) -> OneBox:
    """Run `shopcast up` on `port` with `env` over this process's environment, until its workers are
    ready (the banner is printed) and the API answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "SHOPCAST_DATA_DIR": str(data_dir), **env}
    stack = Stack(name=name, env=full_env, base_url=f"http://127.0.0.1:{port}", log_dir=data_dir, workers={})
    log = (data_dir / "up.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "shopcast.cli.main", "up", "--host", "127.0.0.1", "--port", str(port)],
        env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    box = OneBox(stack, process)
    try:
        wait_until(
            lambda: _up(box),
            timeout_s=180,
            interval_s=0.25,
            what=f"`shopcast up` ready (see {data_dir / 'up.log'})",
            error=RuntimeError,
        )
    except BaseException:
        box.stop()
        raise
    return box


def _up(box: OneBox) -> bool:
    """The banner is printed and the API answers; a supervisor that exited will never be up."""
    if box.process.poll() is not None:
        raise RuntimeError(f"`shopcast up` exited with {box.process.returncode}: {box.log_tail()}")
    return BANNER in box.log_tail(400) and _healthy(box.stack.base_url)


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
