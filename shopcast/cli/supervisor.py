"""`shopcast up`: API and workers in one supervised process tree on the embedded defaults.

Children that die are restarted with backoff; SIGINT or SIGTERM stops them all, politely first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from sqlalchemy import func, select

from shopcast.settings import Settings

_GRACE_S = 15.0
_MAX_BACKOFF_S = 30.0


@dataclass
class _Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = field(default=0.0)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(self.argv, env=env)
        self.started_at = time.monotonic()


def _bootstrap(settings: Settings) -> None:
    from shopcast.auth.models import Role, User
    from shopcast.auth.service import create_user
    from shopcast.db import transaction
    from shopcast.migrations import upgrade
    from shopcast.runtime import build_runtime

    upgrade(settings)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        if session.scalar(select(func.count()).select_from(User)) == 0:
            _user, token = create_user(session, "admin", Role.admin)
            print(f"first start: created user 'admin'; its API token (shown once):\n{token}", flush=True)
    runtime.engine.dispose()


def run_supervised(settings: Settings, host: str, port: int) -> int:
    """Run until signalled; returns the exit code for the shell."""
    _bootstrap(settings)
    env = {
        "SHOPCAST_PUBLIC_URL": f"http://{host}:{port}",
        **os.environ,
        "SHOPCAST_DATA_DIR": str(settings.resolved_data_dir),
    }
    cli = [sys.executable, "-m", "shopcast.cli.main"]
    children = [
        _Child("api", [*cli, "api", "--host", host, "--port", str(port)]),
        _Child("worker", [*cli, "worker", "--name", f"embedded-{os.getpid()}@%h"]),
    ]
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for child in children:
        child.start(env)
    print(f"shopcast is up on http://{host}:{port} (data in {settings.resolved_data_dir})", flush=True)
    while not stopping:
        time.sleep(0.2)
        for child in children:
            _keep_alive(child, env)
    _shutdown(children)
    return 0


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
