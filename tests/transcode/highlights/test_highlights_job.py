"""A labelled show through the real pipeline: Whisper's transcript, the product timeline and the
creator's catalogue become highlight proposals over each pitch; a PD accepts one as a 9:16 short,
which a channel that takes highlights receives, and dismisses another, which the next run does not
propose again."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness.events import event_count
from tests.harness.labelled_show import ENGLISH_PRODUCTS, LabelledSegment, LabelledShow, build_show, iou
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_job, wait_for_state
from tests.publisher.studio import create_channel, wait_settled

PRODUCTS = ENGLISH_PRODUCTS[:3]  # two pinned, one named only in speech


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory) -> LabelledShow:
    return build_show(tmp_path_factory.mktemp("labelled-show"), PRODUCTS)


def _match(segment: LabelledSegment, highlights: list[dict[str, Any]]) -> dict[str, Any] | None:
    span = (segment.start_s, segment.end_s)
    best = max(highlights, key=lambda h: iou(span, (h["start_s"], h["end_s"])), default=None)
    return best if best is not None and iou(span, (best["start_s"], best["end_s"])) >= 0.5 else None


def _highlights_settled(client: httpx.Client, asset_id: str) -> None:
    """Every highlight job has ended, the last one after the subtitles."""

    def settled(asset: dict[str, Any]) -> bool:
        subtitles = next(j for j in asset["jobs"] if j["kind"] == "subtitles")
        runs = [j for j in asset["jobs"] if j["kind"] == "highlights"]
        ended = all(j["state"] in ("succeeded", "failed") for j in runs)
        return bool(runs) and ended and max(j["started_at"] for j in runs) > subtitles["finished_at"]

    asset = poll(
        lambda: client.get(f"/v1/assets/{asset_id}").json(),
        settled,
        timeout_s=120,
        interval_s=0.5,
        what="the highlight job after the subtitles",
    )
    assert all(j["state"] == "succeeded" for j in asset["jobs"] if j["kind"] == "highlights"), asset["jobs"]


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_each_pitch_is_proposed_and_one_call_makes_a_short(stack: Stack, show: LabelledShow) -> None:
    creator = stack.user("highlights-creator", "creator")
    stranger = stack.user("highlights-stranger", "creator")
    with stack.client(stack.user("highlights-admin", "admin")) as admin:
        shorts = {"type": "pull"}
        channel = create_channel(admin, "highlight-shorts", {"extends": "vcommerce"}, shorts, [])
        assert channel["auto_publish_highlights"] is False
        answer = admin.post(
            "/v1/channels",
            json={
                "name": "takes-highlights",
                "profile": "vcommerce",
                "target": shorts,
                "auto_publish_highlights": True,
            },
        )
        assert answer.status_code == 201, answer.text
        takes = answer.json()
    with stack.client(creator) as client:
        for product in PRODUCTS:
            url = f"https://shop.example/{product.sku}"
            body = {"sku": product.sku, "name": product.name, "aliases": list(product.aliases), "url": url}
            assert client.post("/v1/products", json=body).status_code == 201
        asset_id = upload(client, show.path)
        wait_for_state(client, asset_id, {"ready"}, timeout=120)
        pins = [
            {"sku": s.product.sku, "start_s": s.start_s, "end_s": s.end_s}
            for s in show.segments
            if s.product.pinned
        ]
        assert client.put(f"/v1/assets/{asset_id}/products", json={"products": pins}).status_code == 200
        wait_for_job(client, asset_id, "subtitles", timeout_s=300, interval_s=0.5, what="no subtitles")
        _highlights_settled(client, asset_id)
        highlights = client.get(f"/v1/assets/{asset_id}/highlights").json()

        matched = {s.product.sku: _match(s, highlights) for s in show.segments}
        assert all(matched.values()), f"a proposal with IoU ≥ 0.5 for every pitch: {highlights}"
        for sku, highlight in matched.items():
            assert highlight is not None
            assert highlight["product"]["sku"] == sku
            assert highlight["state"] == "proposed"
            assert 10 <= highlight["end_s"] - highlight["start_s"] <= 120
        assert len(highlights) == len(show.segments), "nothing proposed outside the pitches (a flat show)"
        errors = [
            abs(edge - truth)
            for s in show.segments
            for edge, truth in zip(
                (matched[s.product.sku]["start_s"], matched[s.product.sku]["end_s"]),  # type: ignore[index]
                (s.start_s, s.end_s),
                strict=True,
            )
        ]
        assert statistics.median(errors) <= 2.0, errors
        pinned = matched[PRODUCTS[0].sku]
        spoken = matched[PRODUCTS[2].sku]
        assert pinned is not None
        assert spoken is not None
        assert pinned["reason"].startswith(f"pin {PRODUCTS[0].sku} at ")
        assert "said" in spoken["reason"]
        assert "pin" not in spoken["reason"]
        assert pinned["score"] > spoken["score"]
        assert event_count(stack, asset_id, "highlights.ready") >= 1

        with stack.client(stranger) as other:
            assert other.get(f"/v1/assets/{asset_id}/highlights").status_code == 404
            assert other.post(f"/v1/highlights/{spoken['id']}/accept", json={}).status_code == 404

        accepted = client.post(f"/v1/highlights/{spoken['id']}/accept", json={"aspect": "9:16"})
        assert accepted.status_code == 201, accepted.text
        clip = accepted.json()
        assert [p["sku"] for p in clip["products"]] == [PRODUCTS[2].sku], "the speech-found product is tagged"
        again = client.post(f"/v1/highlights/{spoken['id']}/accept", json={})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "highlight_decided"
        dismissed = client.post(f"/v1/highlights/{pinned['id']}/dismiss")
        assert dismissed.json()["state"] == "dismissed"

        clip = poll(
            lambda: client.get(f"/v1/clips/{clip['id']}").json(),
            lambda c: c["state"] in ("ready", "failed"),
            timeout_s=300,
            interval_s=1,
            what="the accepted highlight's clip",
        )
        assert clip["state"] == "ready", clip
        assert abs(clip["duration_s"] - (spoken["end_s"] - spoken["start_s"])) < 0.2
        published = poll(
            lambda: client.get("/v1/publications", params={"channel_id": takes["id"]}).json()["items"],
            lambda items: len(items) > 0,
            timeout_s=60,
            interval_s=0.5,
            what="the short published to the channel that takes highlights",
        )
        assert [p["clip_id"] for p in published] == [clip["id"]]
        assert wait_settled(client, published[0]["id"])["state"] == "delivered"
        other = client.get("/v1/publications", params={"channel_id": channel["id"]}).json()["items"]
        assert other == [], "a channel without the setting gets nothing"

        # The timeline changes: the job runs again; the decided ones stay as they were.
        assert client.put(f"/v1/assets/{asset_id}/products", json={"products": pins[:1]}).status_code == 200
        poll(
            lambda: event_count(stack, asset_id, "highlights.ready"),
            lambda n: n >= 2,
            timeout_s=120,
            interval_s=0.5,
            what="highlights proposed again after the timeline changed",
        )
        every = client.get(f"/v1/assets/{asset_id}/highlights", params={"dismissed": "true"}).json()
    by_sku = [h for h in every if h["product"] and h["product"]["sku"] == PRODUCTS[0].sku]
    assert [h["state"] for h in by_sku] == ["dismissed"], "a dismissed pitch is not proposed again"
    accepted_now = [h for h in every if h["id"] == spoken["id"]]
    assert accepted_now[0]["state"] == "accepted"
    assert accepted_now[0]["clip_id"] == clip["id"]


def test_highlight_routes_refuse_unknown_ids(stack: Stack, tmp_path: Path) -> None:
    with stack.client(stack.user(f"hl-nobody-{stack.name}", "creator")) as client:
        assert client.get(f"/v1/assets/{'0' * 32}/highlights").status_code == 404
        assert client.post(f"/v1/highlights/{'0' * 32}/dismiss").status_code == 404
        assert client.post(f"/v1/highlights/{'0' * 32}/accept", json={"aspect": "4:3"}).status_code == 422
