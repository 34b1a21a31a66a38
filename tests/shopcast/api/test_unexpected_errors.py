"""Failures nobody planned for answer in the one JSON shape with the request id: a real
exception is 500 `internal` and logged with its traceback; a really full disk, the store's or the
database's, is 507 with Retry-After."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from shopcast.app import create_app
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import build_runtime
from shopcast.settings import Settings
from shopcast.telemetry import context
from tests.shopcast.api.served_app import fill_disk, served, tmpfs

_TUS = {"Tus-Resumable": "1.0.0"}


class _Remembering(logging.Handler):
    """Keeps each record with the context fields set where it was logged."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[logging.LogRecord, dict[str, str]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record, context.current()))


@pytest.fixture
def remembered() -> Iterator[_Remembering]:
    handler = _Remembering()
    logger = logging.getLogger("shopcast")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _settings(data_dir: Path, **values: object) -> Settings:
    settings = Settings(data_dir=data_dir, webrtc_hosts="127.0.0.1", **values)  # type: ignore[arg-type]
    upgrade(settings)
    return settings


def _creator_token(settings: Settings) -> str:
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        _user, token = create_user(session, "errors-creator", Role.creator)
    runtime.engine.dispose()
    return token


def _failing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/v1/test-divide")
    def divide() -> dict[str, int]:
        denominator = len(app.title) - len("Shopcast")  # zero: a real ZeroDivisionError follows
        return {"ratio": 1 // denominator}

    return app


def test_an_unplanned_exception_is_a_json_500_with_the_request_id(
    tmp_path: Path, remembered: _Remembering
) -> None:
    with served(_failing_app(_settings(tmp_path))) as base_url:
        answer = httpx.get(f"{base_url}/v1/test-divide", headers={"X-Request-ID": "divide-1"}, timeout=30)
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-request-id"] == "divide-1"
    error = answer.json()["error"]
    assert error["code"] == "internal"
    assert error["request_id"] == "divide-1"
    assert error["message"]
    logged = [(r, ctx) for r, ctx in remembered.seen if r.exc_info and "/v1/test-divide" in r.getMessage()]
    assert len(logged) == 1
    record, fields = logged[0]
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError
    assert fields.get("request_id") == "divide-1"


def test_a_full_store_answers_507_with_retry_after(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "store") as store:
        settings = _settings(tmp_path / "data", storage_url=store.as_uri())
        token = _creator_token(settings)
        size = 4 * 1024 * 1024  # four times the tmpfs
        with served(create_app(settings)) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
            auth = {"Authorization": f"Bearer {token}", **_TUS}
            created = client.post("/v1/uploads", headers={**auth, "Upload-Length": str(size)})
            assert created.status_code == 201, created.text
            appended = client.patch(
                created.headers["Location"],
                content=b"\0" * size,
                headers={**auth, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
            )
    assert appended.status_code == 507, appended.text
    assert appended.json()["error"]["code"] == "insufficient_storage"
    assert int(appended.headers["retry-after"]) > 0


def test_a_full_database_disk_answers_507_with_retry_after(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "data", size="16m") as data_dir:
        settings = _settings(data_dir, storage_url=(tmp_path / "store").as_uri())
        token = _creator_token(settings)
        with served(create_app(settings)) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
            auth = {"Authorization": f"Bearer {token}", **_TUS}
            assert client.get("/v1/me", headers=auth).status_code == 200
            fill_disk(data_dir)
            me = client.get("/v1/me", headers=auth)
            answers = [
                client.post("/v1/uploads", headers={**auth, "Upload-Length": "1000"}) for _ in range(5)
            ]
    statuses = [a.status_code for a in answers]
    assert 507 in statuses, [a.text for a in answers]
    full = next(a for a in answers if a.status_code == 507)
    assert full.json()["error"]["code"] == "insufficient_storage"
    assert int(full.headers["retry-after"]) > 0
    assert all(s in (201, 507) for s in statuses), statuses
    # a read needs no new space, but a new SQLite connection does (the WAL's shared memory)
    assert me.status_code in (200, 507), me.text
    assert me.headers["content-type"] == "application/json"
