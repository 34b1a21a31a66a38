"""Liveness and readiness.

`/healthz` says the process answers, and nothing else, so an orchestrator never restarts an API
because its database is down. `/readyz` says whether this process can do its work now: the database
answers `SELECT 1`, the broker takes a connection, and the store writes, reads back and deletes a
small object. 503 names the checks that failed, so a load balancer takes the process out of rotation.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Literal

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from kombu import Connection
from pydantic import BaseModel
from sqlalchemy import text

from shopcast import __version__
from shopcast.runtime import Runtime

__all__ = ["Health", "Readiness", "ReadinessCheck", "router"]

router = APIRouter(tags=["ops"])
_CHECK_TIMEOUT_S = 5.0
_PROBE_BYTES = b"shopcast readiness"


class Health(BaseModel):
    status: str
    version: str


class ReadinessCheck(BaseModel):
    status: Literal["ok", "fail"]
    detail: str
    seconds: float


class Readiness(BaseModel):
    status: Literal["ready", "unready"]
    version: str
    checks: dict[str, ReadinessCheck]


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok", version=__version__)


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    probes: dict[str, Callable[[Runtime], str]] = {
        "database": _database,
        "broker": _broker,
        "storage": _storage,
    }
    checks: dict[str, ReadinessCheck] = {}

    async def run(name: str, probe: Callable[[Runtime], str]) -> None:
        checks[name] = await _timed(probe, runtime)

    async with anyio.create_task_group() as group:
        for name, probe in probes.items():
            group.start_soon(run, name, probe)
    ready = all(check.status == "ok" for check in checks.values())
    status: Literal["ready", "unready"] = "ready" if ready else "unready"
    body = Readiness(status=status, version=__version__, checks=dict(sorted(checks.items())))
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


async def _timed(probe: Callable[[Runtime], str], runtime: Runtime) -> ReadinessCheck:
    """Runs `probe` in a thread; its exception or its timeout is the failure's detail."""
    started = time.monotonic()
    try:
        with anyio.fail_after(_CHECK_TIMEOUT_S):
            detail = await anyio.to_thread.run_sync(probe, runtime, abandon_on_cancel=True)
        status: Literal["ok", "fail"] = "ok"
    except TimeoutError:
        status, detail = "fail", f"no answer within {_CHECK_TIMEOUT_S:.0f} s"
    except Exception as exc:  # any failure of a dependency is a failed check, never a failed probe
        status, detail = "fail", f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    return ReadinessCheck(status=status, detail=detail, seconds=round(time.monotonic() - started, 4))


def _database(runtime: Runtime) -> str:
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return "SELECT 1 answered"


def _broker(runtime: Runtime) -> str:
    settings = runtime.settings
    url = settings.effective_broker_url
    if url.startswith("filesystem"):
        # The filesystem transport "connects" to anything; what it needs is a folder it can write.
        probe = settings.broker_dir / f".readyz-{secrets.token_hex(4)}"
        probe.write_bytes(b"ok")
        probe.unlink()
        return "broker folder is writable"
    with Connection(url, connect_timeout=_CHECK_TIMEOUT_S) as connection:
        connection.ensure_connection(max_retries=1, timeout=int(_CHECK_TIMEOUT_S))
    return "connected"


def _storage(runtime: Runtime) -> str:
    prefix = f"readyz/{secrets.token_hex(6)}"
    store = runtime.store
    store.put_bytes(f"{prefix}/probe", _PROBE_BYTES)
    try:
        if store.get_bytes(f"{prefix}/probe") != _PROBE_BYTES:
            raise OSError("the store gave back other bytes than were written")
    finally:
        store.delete_prefix(prefix)
    return "write, read and delete work"
