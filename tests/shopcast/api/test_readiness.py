"""/healthz is liveness and stays cheap; /readyz checks the database, the broker and the store
and turns 503, naming the check, when one of them really stops working."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import psycopg

from shopcast.app import create_app
from shopcast.migrations import upgrade
from shopcast.settings import Settings
from tests.harness.services import PG_ADMIN_URL, postgres_database
from tests.shopcast.api.served_app import served, tmpfs


def _ready(base_url: str) -> httpx.Response:
    return httpx.get(f"{base_url}/readyz", timeout=30)


def _settings(data_dir: Path, **values: object) -> Settings:
    settings = Settings(data_dir=data_dir, webrtc_hosts="127.0.0.1", **values)  # type: ignore[arg-type]
    upgrade(settings)
    return settings


def test_readyz_is_ready_then_names_a_store_that_turned_read_only(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "store") as store:
        settings = _settings(tmp_path / "data", storage_url=store.as_uri())
        with served(create_app(settings)) as base_url:
            ready = _ready(base_url)
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "ready"
            assert {name: c["status"] for name, c in ready.json()["checks"].items()} == {
                "broker": "ok",
                "database": "ok",
                "storage": "ok",
            }
            subprocess.run(["mount", "-o", "remount,ro", str(store)], check=True)
            try:
                unready = _ready(base_url)
                alive = httpx.get(f"{base_url}/healthz", timeout=30)
            finally:
                subprocess.run(["mount", "-o", "remount,rw", str(store)], check=True)
            again = _ready(base_url)
    assert unready.status_code == 503, unready.text
    checks = unready.json()["checks"]
    assert unready.json()["status"] == "unready"
    assert checks["storage"]["status"] == "fail"
    assert "Read-only" in checks["storage"]["detail"]
    assert checks["database"]["status"] == "ok"
    assert checks["broker"]["status"] == "ok"
    assert alive.status_code == 200  # liveness does not depend on what readiness checks
    assert again.status_code == 200, again.text


def test_readyz_names_a_database_that_went_away(tmp_path: Path) -> None:
    with postgres_database() as url:
        settings = _settings(tmp_path, database_url=url)
        with served(create_app(settings)) as base_url:
            assert _ready(base_url).status_code == 200
            name = url.rsplit("/", 1)[1]
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            unready = _ready(base_url)
    assert unready.status_code == 503, unready.text
    checks = unready.json()["checks"]
    assert checks["database"]["status"] == "fail"
    assert checks["storage"]["status"] == "ok"
    assert checks["broker"]["status"] == "ok"
