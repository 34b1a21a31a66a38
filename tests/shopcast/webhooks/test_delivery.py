"""Webhook delivery on the running stacks: a receiver on loopback hears of every step, signed per
Standard Webhooks; retries keep the webhook-id; dead letters can be delivered again."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.harness.media import MediaFactory
from tests.harness.polling import wait_until
from tests.harness.receiver import Receiver, ReceiverServer
from tests.harness.services import free_port
from tests.harness.stack import Stack
from tests.harness.tus import upload


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, ReceiverServer]]:
    received = Receiver()
    server = ReceiverServer(received)
    try:
        yield received, server
    finally:
        server.close()


def _endpoint(client: httpx.Client, url: str, events: list[str] | None = None) -> dict[str, Any]:
    answer = client.post("/v1/webhook-endpoints", json={"url": url, "events": events or []})
    assert answer.status_code == 201, answer.text
    endpoint: dict[str, Any] = answer.json()
    return endpoint


def _until(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    wait_until(check, timeout_s=timeout, interval_s=0.2, what=what)


def _deliveries(client: httpx.Client, endpoint_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(f"/v1/webhook-endpoints/{endpoint_id}/deliveries").json()[
        "items"
    ]
    return items


def _state(client: httpx.Client, endpoint_id: str) -> str | None:
    """The state of the endpoint's newest delivery; None before there is one."""
    deliveries = _deliveries(client, endpoint_id)
    return str(deliveries[0]["state"]) if deliveries else None


def test_a_receiver_hears_of_an_upload_with_verifiable_signatures(
    stack: Stack, media: MediaFactory, receiver: tuple[Receiver, ReceiverServer]
) -> None:
    received, server = receiver
    creator = f"hooked-{stack.name}"
    pd, stranger_pd = f"hook-pd-{stack.name}", f"hook-stranger-{stack.name}"
    creator_token = stack.user(creator, "creator")
    pd_token, stranger_token = stack.user(pd, "pd"), stack.user(stranger_pd, "pd")
    stack.assign(pd, creator)
    other_creator = f"hook-other-{stack.name}"
    stack.user(other_creator, "creator")
    stack.assign(stranger_pd, other_creator)
    with stack.client(creator_token) as client:
        kinds = ["asset.ready", "subtitles.ready", "renditions.ready"]
        own = _endpoint(client, server.url + "/creator", kinds)
    with stack.client(pd_token) as client:
        assigned = _endpoint(client, server.url + "/pd", ["asset.ready"])
    with stack.client(stranger_token) as client:
        _endpoint(client, server.url + "/stranger", ["asset.ready"])
    with stack.client(creator_token) as client:
        asset_id = upload(client, media.tone_video(0.1))

    _until("asset.ready at both listeners", lambda: len(list(received.of_type("asset.ready"))) >= 2)
    _until("renditions.ready", lambda: any(received.of_type("renditions.ready")), timeout=120)
    _until("subtitles.ready", lambda: any(received.of_type("subtitles.ready")), timeout=120)
    # Not a wait for a state: time for what must not come (a third asset.ready) to arrive if it would
    time.sleep(1.5)
    ready = [r for r in received.of_type("asset.ready") if json.loads(r.body)["data"]["id"] == asset_id]
    assert len(ready) == 2, "the creator's endpoint and the assigned PD's; not the other PD's"
    secrets = {own["id"]: own["secret"], assigned["id"]: assigned["secret"]}
    verified = 0
    for request in received.received:
        payload = None
        for secret in secrets.values():
            try:
                payload = Webhook(secret).verify(request.body, request.headers)
                break
            except Exception:  # noqa: S112 - try the other endpoint's secret
                continue
        assert payload is not None, f"no secret verifies {request.headers.get('webhook-id')}"
        assert set(payload) == {"type", "timestamp", "data"}
        verified += 1
    assert verified == len(received.received)


def test_retries_keep_the_id_until_the_receiver_recovers(stack: Stack, media: MediaFactory) -> None:
    """Refused connections, then 500s, then 200: delivered exactly once more, one webhook-id."""
    port = free_port()  # nothing listens here yet: connections are refused
    received = Receiver(statuses=[500, 500])
    with stack.client(stack.user(f"flaky-{stack.name}", "creator")) as client:
        endpoint = _endpoint(client, f"http://127.0.0.1:{port}/hooks", ["asset.ready"])
        upload(client, media.vp9_webm_silent())
        _until(
            "two refused attempts",
            lambda: any(d["attempts"] >= 2 for d in _deliveries(client, endpoint["id"])),
        )
        server = ReceiverServer(received, port=port)
        try:
            _until("delivered", lambda: _state(client, endpoint["id"]) == "delivered")
            # Not a wait for a state: a duplicate, which must not come, would within the sweeper's next passes
            time.sleep(2)
        finally:
            server.close()
        [delivery] = _deliveries(client, endpoint["id"])
    assert [a["status_code"] for a in delivery["history"]][-3:] == [500, 500, 200]
    assert all(a["error"] for a in delivery["history"][:-3]), "the first attempts found nobody listening"
    assert len(received.received) == 3, "two 500s and exactly one success"
    assert {r.headers["webhook-id"] for r in received.received} == {delivery["id"]}
    assert Webhook(endpoint["secret"]).verify(received.received[-1].body, received.received[-1].headers)


def test_dead_letters_are_redelivered_once_the_receiver_is_back(
    stack: Stack, media: MediaFactory, receiver: tuple[Receiver, ReceiverServer]
) -> None:
    received, server = receiver
    received.default = 503
    with stack.client(stack.user(f"deadletter-{stack.name}", "creator")) as client:
        endpoint = _endpoint(client, server.url, ["asset.ready"])
        upload(client, media.vp9_webm_silent())
        _until("dead letter", lambda: _state(client, endpoint["id"]) == "dead")
        [dead] = _deliveries(client, endpoint["id"])
        assert dead["attempts"] == 6, "the first attempt and the five retries of the test schedule"
        replayed = client.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/replay", json={"since": "2000-01-01T00:00:00Z"}
        )
        assert replayed.json()["replayed"] == [dead["id"]]
        _until("one more failed attempt", lambda: _deliveries(client, endpoint["id"])[0]["attempts"] == 7)
        _until("dead again", lambda: _state(client, endpoint["id"]) == "dead")
        received.default = 200
        again = client.post(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries/{dead['id']}/redeliver")
        assert again.status_code == 202, again.text
        _until("redelivered", lambda: _state(client, endpoint["id"]) == "delivered")
        [delivered] = _deliveries(client, endpoint["id"])
    assert delivered["attempts"] == 8, "six scheduled, one replayed, one redelivered"
    assert [r.headers["webhook-id"] for r in received.received] == [dead["id"]] * 8


def test_gone_disables_the_endpoint(
    stack: Stack, media: MediaFactory, receiver: tuple[Receiver, ReceiverServer]
) -> None:
    received, server = receiver
    received.default = 410
    with stack.client(stack.user(f"gone-{stack.name}", "creator")) as client:
        endpoint = _endpoint(client, server.url, ["asset.ready"])
        upload(client, media.vp9_webm_silent())
        _until(
            "disabled", lambda: not client.get(f"/v1/webhook-endpoints/{endpoint['id']}").json()["enabled"]
        )
        [delivery] = _deliveries(client, endpoint["id"])
    assert delivery["state"] == "dead"
    assert len(received.received) == 1


def test_a_rendered_clip_is_announced_with_its_products(
    stack: Stack, media: MediaFactory, receiver: tuple[Receiver, ReceiverServer]
) -> None:
    received, server = receiver
    with stack.client(stack.user(f"clipper-{stack.name}", "creator")) as client:
        endpoint = _endpoint(client, server.url, ["asset.ready", "clip.ready"])
        asset_id = upload(client, media.h264_aac_1080p30())
        _until("asset.ready", lambda: any(received.of_type("asset.ready")))
        product = {"sku": "KNIT-01", "name": "니트", "url": "https://shop.example/knit", "at_s": 2.5}
        clip = client.post(
            "/v1/clips",
            json={"asset_id": asset_id, "ranges": [{"in_s": 2.0, "out_s": 3.0}], "products": [product]},
        )
        assert clip.status_code == 201, clip.text
        _until("clip.ready", lambda: any(received.of_type("clip.ready")), timeout=240)
    [announced] = list(received.of_type("clip.ready"))
    payload = Webhook(endpoint["secret"]).verify(announced.body, announced.headers)
    assert payload["data"]["id"] == clip.json()["id"]
    assert [(p["sku"], p["at_s"]) for p in payload["data"]["products"]] == [("KNIT-01", 0.5)]
