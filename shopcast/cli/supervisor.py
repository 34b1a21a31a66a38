"""`shopcast up`: API, RTMP engine and workers in one supervised process tree on the embedded defaults.

The workers are the lanes of shopcast/cli/lanes.py, started one after another: kombu's filesystem
transport rewrites an exchange's table file in place, and a worker declaring its queues while
another creates that file can read it empty and die (JSONDecodeError). So a worker starts only once
the one before it is ready (its ready file exists), or has had `up_worker_ready_timeout_s`.
Children that die are restarted with backoff; SIGINT or SIGTERM stops them all, politely first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from sqlalchemy import func, select

from shopcast.cli.lanes import one_box_lanes, ready_file, worker_argv
from shopcast.settings import Settings

_GRACE_S = 15.0
_MAX_BACKOFF_S = 30.0


@dataclass
class _Child:
    name: str
    argv: list[str]
    ready_file: Path | None = None  # None: ready as soon as it runs
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = field(default=0.0)
    first_started_at: float | None = None

    def start(self, env: dict[str, str]) -> None:
        if self.ready_file is not None:
            self.ready_file.unlink(missing_ok=True)
        self.process = subprocess.Popen(self.argv, env=env)
        self.started_at = time.monotonic()
        if self.first_started_at is None:
            self.first_started_at = self.started_at

    def booting(self, ready_timeout_s: float) -> bool:
        """Started but not ready yet (a crash while booting, and its restart, included), for at most
        `ready_timeout_s` since its first start: a worker that never gets ready holds up no other."""
        if self.first_started_at is None or self.ready_file is None or self.ready_file.exists():
            return False
        return time.monotonic() - self.first_started_at < ready_timeout_s


def _bootstrap(settings: Settings) -> None:
    from shopcast.auth.models import Role, User
    from shopcast.auth.passwords import first_password
    from shopcast.auth.service import create_user
    from shopcast.db import transaction
    from shopcast.migrations import upgrade
    from shopcast.runtime import build_runtime

    upgrade(settings)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        if session.scalar(select(func.count()).select_from(User)) == 0:
            password = first_password()
            _user, token = create_user(session, "admin", Role.admin, password)
            print(
                f"first start: created user 'admin' (both shown once)\n"
                f"  sign in at {settings.public_url}/web/ with the password: {password}\n"
                f"  API token for programs: {token}",
                flush=True,
            )
    runtime.engine.dispose()


def run_supervised(settings: Settings, host: str, port: int) -> int:
    """Run until signalled; returns the exit code for the shell."""
    _bootstrap(settings)
    env = {
        "SHOPCAST_PUBLIC_URL": f"http://{host}:{port}",
        **os.environ,
        "SHOPCAST_DATA_DIR": str(settings.resolved_data_dir),
    }
    banner = f"shopcast is up on http://{host}:{port} (data in {settings.resolved_data_dir})"
    children = _children(settings, host, port)
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    boot = _Boot(list(children), settings.up_worker_ready_timeout_s, banner)
    while not stopping:
        boot.step(children, env)
        time.sleep(0.2)
        for child in children:
            if child.process is not None:
                _keep_alive(child, env)
    _shutdown(children)
    return 0


@dataclass
class _Boot:
    """The children still to start, one at a time (module docstring); announces when all are ready."""

    waiting: list[_Child]
    ready_timeout_s: float
    banner: str
    announced: bool = False

    def step(self, children: list[_Child], env: dict[str, str]) -> None:
        if any(child.booting(self.ready_timeout_s) for child in children):
            return
        if self.waiting:
            self.waiting.pop(0).start(env)
        elif not self.announced:
            self.announced = True
            print(self.banner, flush=True)


def _children(settings: Settings, host: str, port: int) -> list[_Child]:
    """The API, the RTMP engine when it is on and installed, then a worker per lane
    (shopcast/cli/lanes.py), in the order they start."""
    cli = [sys.executable, "-m", "shopcast.cli.main"]
    children = [_Child("api", [*cli, "api", "--host", host, "--port", str(port)])]
    if _rtmp_runs(settings):
        children.append(_Child("rtmp", [*cli, "rtmp"]))
    for index, lane in enumerate(one_box_lanes(settings)):
        node = f"embedded-{lane.name}-{os.getpid()}@%h"
        argv = worker_argv(settings, lane, index, node)
        children.append(_Child(f"worker-{lane.name}", argv, ready_file(settings, lane)))
    return children


def _rtmp_runs(settings: Settings) -> bool:
    """RTMP is on and its Debian packages are here; otherwise say what is missing and go on without."""
    if not settings.rtmp_port:
        return False
    from ingest import rtmp_missing_parts

    missing = rtmp_missing_parts(settings)
    if missing:
        print(
            f"RTMP ingest is off: install the Debian packages {' '.join(missing)}",
            file=sys.stderr,
            flush=True,
        )
    return not missing


def _keep_alive(child: _Child, env: dict[str, str]) -> None:
    assert child.process is not None
    code = child.process.poll()
    if code is None:
        return
    now = time.monotonic()
    if child.next_start == 0.0:
        # A child that ran for a while before dying gets a fresh backoff.
        child.restarts = 0 if now - child.started_at > 60 else child.restarts + 1
        child.next_start = now + min(_MAX_BACKOFF_S, 0.5 * 2**child.restarts)
        print(f"{child.name} exited with {code}; restarting", file=sys.stderr, flush=True)
    if now >= child.next_start:
        child.next_start = 0.0
        child.start(env)


def _shutdown(children: list[_Child]) -> None:
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + _GRACE_S
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
