"""API conventions on an in-process app: 429 with Retry-After, upload expiry and its clean-up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ingest.uploads.service import expire_uploads
from shopcast.app import create_app
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import Runtime
from shopcast.settings import Settings

TUS = {"Tus-Resumable": "1.0.0"}


def _app(tmp_path: Path, **overrides: object) -> tuple[TestClient, Runtime, str]:
    settings = Settings(data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
    upgrade(settings)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    with transaction(runtime.sessions) as session:
        _user, token = create_user(session, "creator", Role.creator)
    return TestClient(app, headers={"Authorization": f"Bearer {token}"}), runtime, token


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    client, runtime, _ = _app(tmp_path, rate_limit_per_minute=60, rate_limit_burst=3)
    with client:
        yield client
    runtime.engine.dispose()


def test_over_eager_client_gets_429_with_retry_after(limited: TestClient) -> None:
    statuses = [limited.get("/v1/assets").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    refused = limited.get("/v1/assets")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert limited.get("/healthz").status_code == 200


def test_unfinished_upload_expires_and_is_reclaimed(tmp_path: Path) -> None:
    client, runtime, _ = _app(tmp_path, upload_expiry_s=1)
    with client:
        created = client.post("/v1/uploads", headers={**TUS, "Upload-Length": "100"})
        location = created.headers["Location"]
        asset_id = location.rsplit("/", 1)[-1]
        client.patch(
            location,
            headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
            content=b"a" * 10,
        )
        staged = list((tmp_path / "objects" / ".staging").iterdir())
        assert len(staged) == 1
        time.sleep(1.2)  # past the upload's 1 s expiry on purpose: not a wait for a state
        assert client.head(location, headers=TUS).status_code == 410
        assert expire_uploads(runtime) == 1
        assert client.get(f"/v1/assets/{asset_id}").status_code == 404
        assert list((tmp_path / "objects" / ".staging").iterdir()) == []
    runtime.engine.dispose()


def test_idempotency_key_reused_for_another_request_is_409(tmp_path: Path) -> None:
    client, runtime, _ = _app(tmp_path)
    with client:
        key = {"Idempotency-Key": "k1"}
        assert client.post("/v1/uploads", headers={**TUS, **key, "Upload-Length": "5"}).status_code == 201
        reused = client.post("/v1/uploads", headers={**TUS, **key, "Upload-Length": "6"})
        assert reused.status_code == 409
        assert reused.json()["error"]["code"] == "idempotency_key_reused"
    runtime.engine.dispose()


def test_errors_have_code_and_message(tmp_path: Path) -> None:
    client, runtime, _ = _app(tmp_path)
    with client:
        missing = client.get("/v1/assets/" + "0" * 32)
        invalid = client.get("/v1/assets", params={"limit": 0})
    runtime.engine.dispose()
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "no such asset"}}
    assert invalid.status_code == 422
    assert invalid.json()["error"]["code"] == "invalid"


def test_metrics_count_requests_upload_bytes_and_jobs(tmp_path: Path) -> None:
    client, runtime, _ = _app(tmp_path)
    with client:
        created = client.post(
            "/v1/uploads",
            headers={**TUS, "Upload-Length": "10", "Content-Type": "application/offset+octet-stream"},
            content=b"0123456789",
        )
        assert created.status_code == 201
        text = client.get("/metrics").text
    runtime.engine.dispose()
    assert 'shopcast_jobs{kind="probe",state="queued"} 1.0' in text
    assert "shopcast_upload_bytes_total 10.0" in text
    assert 'shopcast_http_requests_total{method="POST",route="/v1/uploads",status="201"} 1.0' in text


def test_sweep_forgets_idempotency_keys_older_than_their_ttl(tmp_path: Path) -> None:
    import shopcast.jobs.tasks  # noqa: F401  (registers the periodic clean-ups the sweeper runs)
    from shopcast.api.idempotency import IdempotencyRecord
    from shopcast.db import utcnow
    from shopcast.jobs.sweeper import sweep

    client, runtime, _ = _app(tmp_path, idempotency_ttl_s=3600)
    with client:
        for key in ("old", "fresh"):
            headers = {**TUS, "Upload-Length": "5", "Idempotency-Key": key}
            assert client.post("/v1/uploads", headers=headers).status_code == 201
    with transaction(runtime.sessions) as session:
        old = session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.key == "old")).one()
        old.created_at = utcnow() - timedelta(hours=2)
    sweep(runtime)
    with runtime.sessions() as session:
        remaining = session.scalars(select(IdempotencyRecord.key)).all()
    runtime.engine.dispose()
    assert remaining == ["fresh"]
