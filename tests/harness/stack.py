"""A running Shopcast: migrated database, API and worker subprocesses, on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from shopcast.auth.models import Role
from shopcast.auth.service import assign_pd, create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import Runtime, build_runtime
from shopcast.settings import Settings
from tests.harness.polling import poll, wait_until
from tests.harness.services import free_port, free_udp_port

FAST_JOBS_ENV = {
    "SHOPCAST_JOB_HEARTBEAT_S": "1",
    "SHOPCAST_JOB_STALE_AFTER_S": "6",
    "SHOPCAST_JOB_RESEND_AFTER_S": "10",
    "SHOPCAST_SWEEP_INTERVAL_S": "1",
    "SHOPCAST_UPLOAD_LOCK_WAIT_S": "1",
    "SHOPCAST_RATE_LIMIT_PER_MINUTE": "1000000",
    "SHOPCAST_RATE_LIMIT_BURST": "100000",
    # Every test client is 127.0.0.1: one test's failed sign-ins must not lock the others out.
    # The caps themselves are tested on an app of their own (tests/shopcast/auth).
    "SHOPCAST_SIGNIN_FAILURES_PER_ADDRESS": "100000",
    # Receivers in tests listen on loopback; retries come after half a second instead of minutes.
    "SHOPCAST_WEBHOOK_ALLOW_PRIVATE": "1",
    "SHOPCAST_RESTREAM_ALLOW_PRIVATE": "1",
    "SHOPCAST_WEBHOOK_RETRY_SCHEDULE_S": "0.5,0.5,0.5,0.5,0.5",
    "SHOPCAST_WEBHOOK_RESEND_AFTER_S": "5",
    # WebRTC gathers and advertises loopback only (docs/architecture.md, Live recording)
    "SHOPCAST_WEBRTC_HOSTS": "127.0.0.1",
    "SHOPCAST_LIVE_RECONNECT_GRACE_S": "3",
    # Test stacks run on the placeholder secret key, which only development mode accepts.
    "SHOPCAST_DEV": "1",
    # RTMP and SRT are off unless a stack asks for them on ports of its own (`live_ports`): the
    # defaults (1935, 8890-8899) are one machine-wide set of ports.
    "SHOPCAST_RTMP_PORT": "0",
    "SHOPCAST_SRT_PORTS": "",
    "SHOPCAST_LIVE_LISTEN_HOST": "127.0.0.1",
}


def live_ports() -> dict[str, str]:
    """RTMP (TCP) and SRT (UDP) on free loopback ports, for a stack that takes studio encoders."""
    return {"SHOPCAST_RTMP_PORT": str(free_port()), "SHOPCAST_SRT_PORTS": str(free_udp_port())}


ALL_QUEUES = "probe,transcode,subtitles,render,publish,webhooks"
# name: (queues, concurrency)
Workers = dict[str, tuple[str, int]]
WORKERS: Workers = {"worker": (ALL_QUEUES, 2), "prober": ("probe", 1)}


@dataclass
class Stack:
    name: str
    env: dict[str, str]
    base_url: str
    log_dir: Path
    workers: Workers = field(default_factory=lambda: dict(WORKERS))
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        values: dict[str, Any] = {
            key[len("SHOPCAST_") :].lower(): value
            for key, value in self.env.items()
            if key.startswith("SHOPCAST_")
        }
        return Settings(**values)

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = build_runtime(self.settings)
        return self._runtime

    def user(self, name: str, role: str, password: str | None = None) -> str:
        """Create a user directly in the database, with a password for the pages if one is given;
        returns its API token."""
        with transaction(self.runtime.sessions) as session:
            _user, token = create_user(session, name, Role(role), password)
        return token

    def assign(self, pd: str, creator: str) -> None:
        with transaction(self.runtime.sessions) as session:
            assign_pd(session, pd, creator)

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60, **kwargs)

    def start_worker(
        self,
        name: str = "worker",
        queues: str = ALL_QUEUES,
        concurrency: int = 2,
        cpu: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        """Start a worker; `cpu` pins its whole process tree (FFmpeg included) to one core; `env` adds
        to the stack's environment for this worker alone."""
        pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
        log = (self.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [*pin, sys.executable, "-m", "shopcast.cli.main", "worker", "--queues", queues,
             "--concurrency", str(concurrency), "--name", f"{name}-{self.name}@%h"],
            env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def start_workers(self) -> None:
        """The stack's workers: one on every queue, and one on the probe queue alone, as a farm
        would run them, so that probing never waits behind transcodes earlier tests left running."""
        for name, (queues, concurrency) in self.workers.items():
            self.start_worker(name, queues, concurrency)
            self.wait_worker_ready(name)

    def stop_workers(self, sig: int = signal.SIGTERM) -> None:
        for name in self.workers:
            self.stop(name, sig)

    def wait_worker_ready(self, name: str, timeout: float = 60) -> None:
        """Until the worker has declared its queues and consumes. Workers started together on the
        filesystem broker can crash: kombu rewrites its exchange table file in place, and a worker
        reading it at that moment finds it empty."""
        poll(
            lambda: self.log_tail(name, 200),
            lambda tail: f"{name}-{self.name}@" in tail and " ready." in tail,
            timeout_s=timeout,
            interval_s=0.2,
            what=lambda _: f"worker {name} not ready: {self.log_tail(name)}",
            error=RuntimeError,
        )

    def start_api(self, port: int) -> None:
        log = (self.log_dir / "api.log").open("ab")
        self.processes["api"] = subprocess.Popen(
            [sys.executable, "-m", "shopcast.cli.main", "api", "--host", "127.0.0.1", "--port", str(port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

        def healthy() -> bool:
            try:
                return httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(
            healthy,
            timeout_s=60,
            interval_s=0.2,
            what=f"API answering /healthz (see {self.log_dir / 'api.log'})",
            error=RuntimeError,
        )

    def start_rtmp(self) -> None:
        """The RTMP engine, as `shopcast up` runs it (nginx through `shopcast rtmp`)."""
        port = self.settings.rtmp_port
        log = (self.log_dir / "rtmp.log").open("ab")
        self.processes["rtmp"] = subprocess.Popen(
            [sys.executable, "-m", "shopcast.cli.main", "rtmp"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_until(
            lambda: _accepts(port),
            timeout_s=30,
            interval_s=0.2,
            what=f"the RTMP engine listening on {port} (see {self.log_dir / 'rtmp.log'})",
            error=RuntimeError,
        )

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        if self._runtime is not None:
            self._runtime.engine.dispose()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def boot(name: str, env: dict[str, str], data_dir: Path, port: int, workers: Workers | None = None) -> Stack:
    """Migrate, then start the API and the workers (default: one on every queue, one on probe)."""
    full_env = {
        **os.environ,
        **FAST_JOBS_ENV,
        "SHOPCAST_DATA_DIR": str(data_dir),
        "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **env,
    }
    stack = Stack(
        name=name,
        env=full_env,
        base_url=f"http://127.0.0.1:{port}",
        log_dir=data_dir,
        workers=dict(workers or WORKERS),
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(stack.settings)
    stack.start_api(port)
    if stack.settings.rtmp_port:
        stack.start_rtmp()
    stack.start_workers()
    return stack


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
