"""Webhook endpoints through the API, in process with private addresses NOT allowed (the default):
unsafe URLs are refused when saved and again when delivering, before any connection is made."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from shopcast.app import create_app
from shopcast.auth.models import Role
from shopcast.auth.service import assign_pd, create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import Runtime
from shopcast.settings import Settings
from shopcast.webhooks.delivery import _Claimed, send
from shopcast.webhooks.signing import new_secret, signature_header
from tests.harness.listener import TrapListener


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Runtime, dict[str, str]]]:
    settings = Settings(data_dir=tmp_path)
    upgrade(settings)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    tokens = {}
    with transaction(runtime.sessions) as session:
        for name, role in (
            ("maker", Role.creator),
            ("other", Role.creator),
            ("shop", Role.partner),
            ("producer", Role.pd),
        ):
            tokens[name] = create_user(session, name, role)[1]
        assign_pd(session, "producer", "maker")
    with TestClient(app) as client:
        yield client, runtime, tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/hooks", "http://localhost:8080/hooks"],
)
def test_unsafe_urls_are_refused_when_saved(
    api: tuple[TestClient, Runtime, dict[str, str]], url: str
) -> None:
    client, _runtime, tokens = api
    answer = client.post("/v1/webhook-endpoints", json={"url": url}, headers=_auth(tokens["maker"]))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "unsafe_url"


def test_the_secret_is_shown_once_and_rotation_keeps_the_old_one_signing(
    api: tuple[TestClient, Runtime, dict[str, str]],
) -> None:
    client, _runtime, tokens = api
    created = client.post(
        "/v1/webhook-endpoints",
        json={"url": "https://93.184.216.34/hooks", "events": ["asset.ready", "clip.ready"]},
        headers=_auth(tokens["maker"]),
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    shown = client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=_auth(tokens["maker"])).json()
    assert shown["secret"] is None
    rotated = client.post(
        f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=_auth(tokens["maker"])
    )
    assert rotated.json()["secret"] not in (None, endpoint["secret"])

    header = signature_header([rotated.json()["secret"], endpoint["secret"]], "msg_1", 1_700_000_000, "{}")
    assert len(header.split(" ")) == 2, "both secrets sign during the grace period"

    assert (
        client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=_auth(tokens["other"])).status_code
        == 404
    )
    refused = client.post(
        "/v1/webhook-endpoints", json={"url": "https://93.184.216.34/"}, headers=_auth(tokens["shop"])
    )
    assert refused.status_code == 403
    unknown = client.post(
        "/v1/webhook-endpoints",
        json={"url": "https://93.184.216.34/", "events": ["asset.exploded"]},
        headers=_auth(tokens["maker"]),
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_event_type"


def test_delivery_checks_the_address_again_and_never_connects(tmp_path: Path) -> None:
    """An endpoint saved while private addresses were allowed, delivered after they no longer are
    (or a name that now resolves to loopback): refused before connecting."""
    trap = TrapListener()
    try:
        claimed = _Claimed(
            "msg_x", f"http://localhost:{trap.port}/hooks", "{}", [new_secret()], attempt=1, enabled=True
        )
        outcome = send(Settings(data_dir=tmp_path), claimed)
    finally:
        trap.close()
    assert outcome.status_code is None
    assert outcome.error is not None
    assert outcome.error.startswith("refused")
    assert trap.connections == 0


def test_our_signatures_verify_with_the_standard_webhooks_library() -> None:
    secret = new_secret()
    body = '{"type":"asset.ready","timestamp":"2026-11-25T00:00:00+00:00","data":{"id":"a"}}'
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": signature_header([secret], "msg_1", now, body),
    }
    assert Webhook(secret).verify(body, headers)["type"] == "asset.ready"


def test_an_assigned_pd_sees_but_cannot_redirect_a_creators_endpoint(
    api: tuple[TestClient, Runtime, dict[str, str]],
) -> None:
    client, _runtime, tokens = api
    created = client.post(
        "/v1/webhook-endpoints", json={"url": "https://93.184.216.34/hooks"}, headers=_auth(tokens["maker"])
    ).json()
    url = f"/v1/webhook-endpoints/{created['id']}"
    assert client.get(url, headers=_auth(tokens["producer"])).status_code == 200
    moved = client.patch(url, json={"url": "https://93.184.216.35/mine"}, headers=_auth(tokens["producer"]))
    assert moved.status_code == 403
    assert client.post(f"{url}/rotate-secret", headers=_auth(tokens["producer"])).status_code == 403
    assert client.delete(url, headers=_auth(tokens["producer"])).status_code == 403
    assert (
        client.patch(url, json={"enabled": False}, headers=_auth(tokens["maker"])).json()["enabled"] is False
    )
