"""One short uploaded asset with a two-product timeline, playing, shared by the commerce tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness.media import MediaFactory
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import upload
from tests.transcode.outputs import wait_for_ladder

TIMELINE = [
    {"sku": "MUG-1", "name": "Blue mug", "url": "https://shop.example/mug", "price": 12000, "currency": "KRW",
     "start_s": 0.0, "end_s": 3.0},
    {"sku": "TEA-2", "name": "Green tea", "url": "https://shop.example/tea", "price": 8000, "currency": "KRW",
     "start_s": 3.0, "end_s": 6.0},
]  # fmt: skip


@dataclass(frozen=True)
class ShopAsset:
    stack: Stack
    creator: str  # API token
    asset_id: str
    embed_url: str

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.embed_url).query)["token"][0]

    def beacon(self, type_: str, session: str, sku: str | None = None, at_s: float = 0.0) -> dict[str, Any]:
        return {"token": self.token, "type": type_, "session": session, "at_s": at_s, "sku": sku,
                "asset_id": self.asset_id}  # fmt: skip


@pytest.fixture(scope="session")
def shop_asset(stack: Stack, media: MediaFactory) -> ShopAsset:
    creator = stack.user(f"shop-creator-{stack.name}", "creator")
    with stack.client(creator) as client:
        asset_id = upload(client, media.h264_aac_1080p30(seconds=6))
        asset = poll(
            lambda: client.get(f"/v1/assets/{asset_id}").json(),
            lambda a: bool(a.get("playback", {}).get("embed")) or a.get("state") in ("rejected", "failed"),
            timeout_s=180,
            interval_s=0.3,
            what=lambda a: f"asset {asset_id} never played: {a}",
        )
        assert asset["playback"]["embed"], asset
        # The first playable rendition is replaced by the ladder; a browser opened in between would
        # hold a playlist whose segments go (the players reload: shopcast/web/static/player.js).
        wait_for_ladder(client, asset_id)
        put = client.put(f"/v1/assets/{asset_id}/products", json={"products": TIMELINE})
        assert put.status_code == 200, put.text
    return ShopAsset(stack, creator, asset_id, asset["playback"]["embed"])
