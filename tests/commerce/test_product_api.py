"""The catalogue, pins and timeline APIs: who may do what, and what bad input gets."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.harness.live import new_stream
from tests.harness.media import MediaFactory
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import upload

SOAP = {"sku": "SOAP-1", "name": "Olive soap", "url": "https://shop.example.com/soap", "price": 5000,
        "currency": "krw", "aliases": ["올리브 비누", "olive soap bar"]}  # fmt: skip


def _ready_asset(client: httpx.Client, media: MediaFactory) -> str:
    asset_id = upload(client, media.h264_aac_1080p30(4))
    poll(lambda: client.get(f"/v1/assets/{asset_id}").json()["state"], lambda s: s == "ready",
         timeout_s=120, interval_s=0.3, what="the upload's probe")  # fmt: skip
    return asset_id


def test_a_catalogue_is_its_creators_own(stack: Stack) -> None:
    me, other = (stack.user(f"catalogue-{n}-{time.monotonic_ns()}", "creator") for n in (1, 2))
    partner = stack.user(f"catalogue-partner-{time.monotonic_ns()}", "partner")
    with stack.client(me) as client:
        made = client.post("/v1/products", json=SOAP)
        assert made.status_code == 201, made.text
        assert (made.json()["currency"], made.json()["aliases"]) == ("KRW", SOAP["aliases"])
        assert client.post("/v1/products", json=SOAP).json()["error"]["code"] == "duplicate_sku"
        changed = client.patch("/v1/products/SOAP-1", json={"price": 4500})
        assert (changed.status_code, changed.json()["price"], changed.json()["name"]) == (
            200,
            4500,
            "Olive soap",
        )
        assert [p["sku"] for p in client.get("/v1/products").json()["items"]] == ["SOAP-1"]
        for bad in ({"url": "javascript:alert(1)"}, {"price": -1}, {"currency": "W0N"}, {"name": "a\u0007b"}):
            refused = client.post("/v1/products", json={**SOAP, "sku": f"BAD-{len(str(bad))}", **bad})
            assert refused.status_code == 422, (bad, refused.text)
    with stack.client(other) as client:
        assert client.get("/v1/products/SOAP-1").status_code == 404
        assert client.get("/v1/products").json()["items"] == []
    with stack.client(partner) as client:
        assert client.post("/v1/products", json=SOAP).status_code == 403
    with stack.client(me) as client:
        assert client.delete("/v1/products/SOAP-1").status_code == 204
        assert client.get("/v1/products/SOAP-1").status_code == 404


def test_pins_need_a_live_stream_its_owner_and_a_known_product(stack: Stack) -> None:
    me = stack.user(f"pins-{time.monotonic_ns()}", "creator")
    other = stack.user(f"pins-other-{time.monotonic_ns()}", "creator")
    with stack.client(me) as client:
        stream = new_stream(client, "not yet live")
        path = f"/v1/live-streams/{stream['id']}/products"
        not_live = client.post(path, json={"sku": "X", "name": "X"})
        assert (not_live.status_code, not_live.json()["error"]["code"]) == (409, "not_live")
        assert client.delete(f"{path}/current").status_code == 409
        assert client.get(path).json() == {"products": []}
    with stack.client(other) as client:
        assert client.post(path, json={"sku": "X", "name": "X"}).status_code == 404
        assert client.get(path).status_code == 404


def test_a_pd_corrects_an_uploads_timeline_within_the_rules(stack: Stack, media: MediaFactory) -> None:
    me = stack.user(f"timeline-{time.monotonic_ns()}", "creator")
    with stack.client(me) as client:
        asset_id = _ready_asset(client, media)
        path = f"/v1/assets/{asset_id}/products"
        assert client.get(path).json() == {"products": []}, "an upload starts with no products"
        assert client.post("/v1/products", json=SOAP).status_code == 201
        entries = [
            {"sku": "SOAP-1", "start_s": 0.5, "end_s": 2.0},  # the catalogue fills in the rest
            {"sku": "CUP-9", "name": "Cup <9>", "url": "https://shop.example.com/cup?a=1&b=2", "start_s": 2.0,
             "end_s": 4.0},
        ]  # fmt: skip
        saved = client.put(path, json={"products": entries[::-1]})
        assert saved.status_code == 200, saved.text
        products = saved.json()["products"]
        assert [(p["sku"], p["name"], p["start_s"]) for p in products] == [
            ("SOAP-1", "Olive soap", 0.5),
            ("CUP-9", "Cup <9>", 2.0),
        ], "in time order, the SKU's catalogue entry filling in"
        assert client.get(f"/v1/assets/{asset_id}").json()["products"] == products
        problems = {
            "past the end": [{**entries[0], "end_s": 9.0}],
            "backwards": [{**entries[0], "start_s": 2.0, "end_s": 1.0}],
            "overlapping": [entries[0], {**entries[1], "start_s": 1.5}],
            "unknown sku without a name": [{"sku": "NOPE", "start_s": 0, "end_s": 1}],
            "not XML text": [{**entries[1], "name": "Cup \ufffe"}],
            "not a web link": [{**entries[1], "url": "file:///etc/passwd"}],
        }
        for what, bad in problems.items():
            refused = client.put(path, json={"products": bad})
            assert refused.status_code == 422, (what, refused.text)
        assert client.get(path).json()["products"] == products, "a refused timeline changes nothing"
        both = client.put(
            path, json={"products": [entries[0], {**entries[1], "start_s": 1.5}], "allow_overlaps": True}
        )
        assert both.status_code == 200, both.text
    stranger = stack.user(f"timeline-stranger-{time.monotonic_ns()}", "creator")
    with stack.client(stranger) as client:
        assert client.get(path).status_code == 404
        assert client.put(path, json={"products": []}).status_code == 404


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_timeline_bodies_are_bounded(stack: Stack) -> None:
    me = stack.user(f"timeline-bound-{time.monotonic_ns()}", "creator")
    with stack.client(me) as client:
        entry = {"sku": "A", "name": "A", "start_s": 0, "end_s": 1}
        huge = client.put(f"/v1/assets/{'0' * 32}/products", json={"products": [entry] * 501})
        assert huge.status_code in (413, 422), huge.text
