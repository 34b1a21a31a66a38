"""The shoppable embed player in Debian's Chromium: it plays the signed HLS through hls.js from its own
origin alone, shows the card of the product at the playhead as the viewer seeks, and a click on a
card's buy link counts once per viewer session in the creator's stats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, Route, sync_playwright

from tests.commerce.conftest import ShopAsset
from tests.harness.polling import poll
from tests.web.journeys.browser import launch, ready, wait_for_video

VIDEO = "embed-video"
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def _stats(shop_asset: ShopAsset) -> dict[str, Any]:
    with shop_asset.stack.client(shop_asset.creator) as client:
        answer = client.get(f"/v1/assets/{shop_asset.asset_id}/stats")
    assert answer.status_code == 200, answer.text
    stats: dict[str, Any] = answer.json()
    return stats


def _clicks(stats: dict[str, Any], sku: str) -> int:
    return int(next(p for p in stats["products"] if p["sku"] == sku)["clicks"])


def _seek(page: Page, seconds: float, sku: str) -> None:
    page.evaluate("([id, t]) => { document.getElementById(id).currentTime = t; }", [VIDEO, seconds])
    wait_for_video(page, VIDEO, f"!v.seeking && Math.abs(v.currentTime - {seconds}) < 0.3", timeout=15_000)
    page.wait_for_selector(f'#cards[data-skus="{sku}"]', state="attached", timeout=5_000)
    assert page.locator("#cards article.card").evaluate_all("cards => cards.map(c => c.dataset.sku)") == [sku]


def _is_click_beacon(response: Response) -> bool:
    request = response.request
    return (
        request.method == "POST"
        and response.url.endswith("/v1/beacons")
        and "product_click" in (request.post_data or "")
    )


def _click_buy(page: Page, sku: str) -> str:
    """Clicks the card's buy link (a new tab to the shop, which the route aborts); the beacon's status."""
    link = page.locator(f'#cards article.card[data-sku="{sku}"] a.buy')
    with page.expect_response(_is_click_beacon, timeout=10_000) as beacon, page.expect_popup() as popup:
        link.click()
    popup.value.close()
    assert beacon.value.status == 202, beacon.value.text()
    # the page batches its beacons and sends a click at once, with what gathered before it
    sent = json.loads(beacon.value.request.post_data or "{}")["beacons"]
    click = next(i for i, one in enumerate(sent) if one["type"] == "product_click")
    assert sent[click]["sku"] == sku
    status: str = beacon.value.json()["results"][click]
    return status


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_the_embed_player_plays_shows_the_card_at_the_playhead_and_counts_a_buy_click_once(
    shop_asset: ShopAsset, tmp_path: Path
) -> None:
    before = _stats(shop_asset)
    elsewhere: list[str] = []  # every request the page tried off this machine, all aborted

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path / "chromium-profile")
        try:
            context.route("**/*", only_loopback)  # the context's route covers the shop's new tab too
            page = context.new_page()
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(shop_asset.embed_url)
            ready(page)
            assert page.evaluate("() => Boolean(document.getElementById('embed-video').hls)"), "not hls.js"

            played = page.evaluate(
                "(id) => { const v = document.getElementById(id); v.muted = true;"
                " const late = new Promise((done) => setTimeout(() => done('no picture after 30 s'), 30000));"
                " return Promise.race([v.play().then(() => 'ok', (e) => String(e)), late]); }",
                VIDEO,
            )
            assert played == "ok", played
            wait_for_video(
                page, VIDEO, "v.readyState >= 2 && !v.paused && v.currentTime >= 0.8", timeout=30_000
            )
            at = page.evaluate(
                "(id) => { const v = document.getElementById(id); v.pause(); return v.currentTime; }", VIDEO
            )
            assert 0.8 <= at < 3.0, at
            page.wait_for_selector('#cards[data-skus="MUG-1"]', state="attached", timeout=5_000)

            _seek(page, 4.2, "TEA-2")
            _seek(page, 0.5, "MUG-1")
            _seek(page, 4.2, "TEA-2")

            assert elsewhere == [], elsewhere  # the page itself needed nothing from elsewhere
            assert _click_buy(page, "TEA-2") == "counted"
            assert elsewhere == ["https://shop.example/tea"], elsewhere  # the shop's tab, aborted

            counted = poll(
                lambda: _stats(shop_asset),
                lambda s: _clicks(s, "TEA-2") - _clicks(before, "TEA-2") == 1,
                timeout_s=15,
                interval_s=0.3,
                what=lambda s: f"the TEA-2 click never counted: before {before}, now {s}",
            )
            assert counted["views"] - before["views"] >= 1, (before, counted)
            assert counted["plays"] - before["plays"] >= 1, (before, counted)

            # the same viewer session clicking the same product again is the same click
            assert _click_buy(page, "TEA-2") == "duplicate"
            again = _stats(shop_asset)
            assert _clicks(again, "TEA-2") - _clicks(before, "TEA-2") == 1, (before, again)
            assert _clicks(again, "MUG-1") == _clicks(before, "MUG-1"), (before, again)
            assert set(elsewhere) == {"https://shop.example/tea"}, elsewhere
            assert page_errors == [], page_errors
        finally:
            context.close()
