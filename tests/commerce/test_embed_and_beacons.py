"""The embed page and the beacons trust only a live token signed for their one object; a viewer
session counts each thing once and cannot flood; stats show only to who may see the object."""

from __future__ import annotations

import time

from shopcast.embed_links import embed_url
from shopcast.signing import sign
from tests.commerce.conftest import ShopAsset


def test_the_embed_page_plays_with_its_own_token_and_refuses_forged_expired_or_other_tokens(
    shop_asset: ShopAsset,
) -> None:
    stack, asset_id = shop_asset.stack, shop_asset.asset_id
    settings = stack.settings
    expired = sign(settings.secret_key, f"embed:asset:{asset_id}", 1)
    time.sleep(1.1)
    other_asset = embed_url(settings, "asset", "0" * 32).split("token=")[1]
    as_clip = embed_url(settings, "clip", asset_id).split("token=")[1]
    playback_token = sign(settings.secret_key, asset_id, 60)  # opens playlists, not the embed
    with stack.client() as client:
        page = client.get(shop_asset.embed_url.removeprefix(stack.base_url))
        assert page.status_code == 200
        assert "frame-ancestors *" in page.headers["content-security-policy"]
        assert "x-frame-options" not in page.headers
        assert "/v1/playback/" in page.text
        assert "MUG-1" in page.text
        for token in (shop_asset.token[:-2] + "xx", expired, other_asset, as_clip, playback_token, ""):
            refused = client.get(f"/embed/assets/{asset_id}", params={"token": token})
            assert refused.status_code == 403, token
            assert refused.json()["error"]["code"] == "invalid_token"
            beacon = {**shop_asset.beacon("view", "forged-session-1"), "token": token or "x"}
            assert client.post("/v1/beacons", json=beacon).status_code == 403


def test_a_session_counts_each_thing_once_and_a_flood_of_beacons_is_bounded(shop_asset: ShopAsset) -> None:
    stack = shop_asset.stack
    session = f"flood-{stack.name}-{time.monotonic_ns()}"
    with stack.client(shop_asset.creator) as owner, stack.client() as viewer:
        before = owner.get(f"/v1/assets/{shop_asset.asset_id}/stats").json()
        statuses = [
            viewer.post("/v1/beacons", json=shop_asset.beacon(kind, session, sku)).json()["status"]
            for kind, sku in [("view", None), ("view", None), ("play", None), ("product_click", "MUG-1"),
                              ("product_click", "MUG-1"), ("product_impression", "TEA-2")]
        ]  # fmt: skip
        assert statuses == ["counted", "duplicate", "counted", "counted", "duplicate", "counted"]
        unknown = viewer.post("/v1/beacons", json=shop_asset.beacon("product_click", session, "NOPE"))
        assert unknown.status_code == 422
        answers = [
            viewer.post("/v1/beacons", json=shop_asset.beacon("progress", session, at_s=i * 5.0)).status_code
            for i in range(2_000)
        ]
        after = owner.get(f"/v1/assets/{shop_asset.asset_id}/stats").json()
    assert answers.count(202) < 100
    assert answers.count(429) > 1_900
    assert after["views"] - before["views"] == 1
    assert after["plays"] - before["plays"] == 1
    # the playhead claimed 10,000 s; the session lived a few seconds, so that is all it may count
    assert after["watch_s"] - before["watch_s"] < 120
    mug = next(p for p in after["products"] if p["sku"] == "MUG-1")
    assert mug["clicks"] - next(p for p in before["products"] if p["sku"] == "MUG-1")["clicks"] == 1


def test_stats_show_only_to_who_may_see_the_asset(shop_asset: ShopAsset) -> None:
    stack = shop_asset.stack
    other = stack.user(f"other-creator-{stack.name}", "creator")
    partner = stack.user(f"stats-outsider-partner-{stack.name}", "partner")
    admin = stack.user(f"stats-admin-{stack.name}", "admin")
    path = f"/v1/assets/{shop_asset.asset_id}/stats"
    for token, status in ((other, 404), (partner, 404), (admin, 200), (shop_asset.creator, 200)):
        with stack.client(token) as client:
            assert client.get(path).status_code == status
    with stack.client() as anonymous:
        assert anonymous.get(path).status_code == 401
    with stack.client(admin) as client:
        stats = client.get(path).json()
    assert set(stats) == {"views", "plays", "watch_s", "products"}
    assert [p["sku"] for p in stats["products"]][:2] == ["MUG-1", "TEA-2"]


def test_a_batch_of_beacons_is_checked_whole_and_answers_each(shop_asset: ShopAsset) -> None:
    stack = shop_asset.stack
    session = f"batch-{stack.name}-{time.monotonic_ns()}"
    with stack.client() as viewer:
        kinds = [("view", None), ("play", None), ("view", None), ("product_impression", "TEA-2")]
        batch = [shop_asset.beacon(kind, session, sku) for kind, sku in kinds]
        answer = viewer.post("/v1/beacons", json={"beacons": batch})
        assert answer.status_code == 202, answer.text
        assert answer.json() == {"results": ["counted", "counted", "duplicate", "counted"]}
        forged = [*batch, {**shop_asset.beacon("view", session), "token": "1.x"}]
        refused = viewer.post("/v1/beacons", json={"beacons": forged})
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "invalid_token")
        assert viewer.post("/v1/beacons", json={"beacons": batch * 6}).status_code == 422, "at most 20"
        assert viewer.post("/v1/beacons", json={"beacons": []}).status_code == 422
        huge = viewer.post("/v1/beacons", content=b'{"beacons": [' + b" " * 40_000 + b"]}",
                           headers={"Content-Type": "application/json"})  # fmt: skip
        assert huge.status_code == 413, huge.text
