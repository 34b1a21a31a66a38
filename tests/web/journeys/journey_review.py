"""A PD reviews a creator's asset in Chromium: previews and dismisses the proposed highlight, corrects
a subtitle cue, marks a 9:16 clip's in and out from the player, tags a product at the playhead and
publishes the clip; the channel's partner then finds it on the partner page with a working download
link and feed URL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state
from tests.publisher.studio import create_channel, speech_source, user_id, wait_for_subtitles
from tests.web.journeys.browser import PASSWORD, Browser, ready, snapshot, wait_for_video

CORRECTED = "Welcome to the Shopcast web show."


def _seek(page: Page, seconds: float) -> None:
    page.evaluate(
        """(s) => new Promise((done) => {
             const video = document.getElementById("player");
             video.addEventListener("seeked", done, { once: true });
             video.currentTime = s;
           })""",
        seconds,
    )


def _prepared_asset(stack: Stack, creator: str, folder: Path) -> str:
    """The creator pins the catalogue's bottle over the pitch: its highlight is proposed."""
    bottle = {"sku": "WEB-BOTTLE", "name": "Steel Water Bottle", "aliases": ["water bottle"]}
    pin = {"sku": "WEB-BOTTLE", "start_s": 0.5, "end_s": 8.5}
    with stack.client(creator) as client:
        assert client.post("/v1/products", json=bottle).status_code == 201
        asset_id = upload(client, speech_source(folder))
        wait_for_state(client, asset_id, {"ready"}, timeout=120)
        assert client.put(f"/v1/assets/{asset_id}/products", json={"products": [pin]}).status_code == 200
        wait_for_subtitles(client, asset_id)
        # The timeline's job may have run before the subtitles; the one after them replaces its rows.
        poll(
            lambda: client.get(f"/v1/assets/{asset_id}").json()["jobs"],
            lambda jobs: all(
                j["state"] in ("succeeded", "failed") for j in jobs if j["kind"] == "highlights"
            ),
            timeout_s=120,
            interval_s=0.5,
            what="every highlight job ended",
        )
        assert len(client.get(f"/v1/assets/{asset_id}/highlights").json()) == 1
    return asset_id


def _preview_and_dismiss_the_highlight(page: Page) -> None:
    item = page.locator("#highlights li")
    expect(item).to_have_count(1)
    expect(item.locator("strong")).to_have_text("Steel Water Bottle")
    expect(item.locator(".hl-reason")).to_contain_text("pin WEB-BOTTLE at 0:00")
    item.locator(".hl-preview").click()
    page.wait_for_function("document.getElementById('player').currentTime > 0")
    page.evaluate("document.getElementById('player').pause()")
    item.locator(".hl-dismiss").click()
    expect(page.locator("#highlights li")).to_have_count(0)
    expect(page.locator("#highlights-none")).to_be_visible()


def test_a_pd_cuts_a_vertical_clip_from_the_player_and_the_partner_sees_it_published(
    web_stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    admin, creator = web_stack.user("web-rev-admin", "admin"), web_stack.user("web-rev-creator", "creator")
    pd = web_stack.user("web-rev-pd", "pd", PASSWORD)
    partner = web_stack.user("web-rev-partner", "partner", PASSWORD)
    web_stack.assign("web-rev-pd", "web-rev-creator")
    asset_id = _prepared_asset(web_stack, creator, tmp_path)
    with web_stack.client(admin) as client:
        channel = create_channel(
            client, "web-shop", "vcommerce", {"type": "pull"}, [user_id(web_stack, partner)]
        )

    page = browser.open_signed_in("web-rev-pd")
    assert page.url.endswith("/web/assets")
    page.locator(f'#assets li[data-asset-id="{asset_id}"] a').click()
    ready(page, timeout=60_000)
    wait_for_video(page, "player", "v.readyState >= 2")
    assert page.evaluate("Boolean(window.Hls && document.getElementById('player').hls)"), "not hls.js"
    tracks = page.evaluate("[...document.getElementById('player').textTracks].map((t) => t.language)")
    assert "en" in tracks, tracks
    _preview_and_dismiss_the_highlight(page)
    _correct_first_cue(page, web_stack, pd, asset_id)
    clip = _cut_vertical_clip(page, web_stack, pd)
    snapshot(page, "asset-review")

    page.get_by_label("Channel").select_option(channel["id"])
    page.locator(f'button[data-publish="{clip["id"]}"]').click()
    expect(page.locator(f'li[data-clip-id="{clip["id"]}"] .publication')).to_have_attribute(
        "data-state", "delivered", timeout=300_000
    )
    with web_stack.client(pd) as client:
        delivered = [p for p in client.get("/v1/publications").json()["items"] if p["clip_id"] == clip["id"]]
    assert [p["state"] for p in delivered] == ["delivered"]

    _partner_finds_the_clip(browser, partner, channel, clip, delivered[0]["receipt"]["size"])
    assert browser.console_errors == []


def _correct_first_cue(page: Page, stack: Stack, pd: str, asset_id: str) -> None:
    first = page.locator("#cues textarea").first
    expect(first).not_to_have_value("")
    first.fill(CORRECTED)
    page.get_by_role("button", name="Save subtitles").click()
    expect(page.locator("#subs-status")).to_have_text("Subtitles saved.")
    with stack.client(pd) as client:
        asset = client.get(f"/v1/assets/{asset_id}").json()
    english = next(s for s in asset["subtitles"] if s["language"] == "en")
    assert CORRECTED in httpx.get(english["vtt_url"], timeout=30).text


def _cut_vertical_clip(page: Page, stack: Stack, pd: str) -> dict[str, Any]:
    _seek(page, 1.0)
    page.get_by_role("button", name="Mark in at playhead").click()
    expect(page.get_by_label("In (s)")).to_have_value("1")
    _seek(page, 5.0)
    page.get_by_role("button", name="Mark out at playhead").click()
    expect(page.get_by_label("Out (s)")).to_have_value("5")
    page.get_by_label("Aspect").select_option("9:16")
    page.get_by_label("Focus across (0 to 1)").fill("0.4")
    page.get_by_label("Clip title").fill("Bottle, vertical")
    page.get_by_label("Product SKU").fill("BTL-500")
    page.get_by_label("Product name").fill("Steel bottle 500 ml")
    page.get_by_label("Product link").fill("https://shop.example.com/btl-500")
    _seek(page, 3.0)
    page.get_by_role("button", name="Tag product at playhead").click()
    expect(page.locator("#product-tags li")).to_have_text("3 s: Steel bottle 500 ml (BTL-500)")
    page.get_by_role("button", name="Make clip").click()
    expect(page.locator("#clip-status")).to_have_text("Clip queued.")
    item = page.locator('#clips li[data-aspect="9:16"]')
    expect(item).to_have_attribute("data-state", "ready", timeout=300_000)
    clip_id = item.get_attribute("data-clip-id")
    with stack.client(pd) as client:
        clip: dict[str, Any] = client.get(f"/v1/clips/{clip_id}").json()
    assert clip["aspect"] == "9:16"
    assert clip["ranges"] == [{"in_s": 1.0, "out_s": 5.0}]
    assert clip["focus"] == [{"x": 0.4, "y": 0.5, "at_s": None}]
    assert abs(clip["width"] / clip["height"] - 9 / 16) < 0.01
    assert abs(clip["duration_s"] - 4.0) < 0.3
    keys = ("sku", "name", "url", "at_s", "source_at_s", "start_s", "end_s")
    assert [{key: p[key] for key in keys} for p in clip["products"]] == [
        {**_BOTTLE, "at_s": 2.0, "source_at_s": 3.0, "start_s": 2.0, "end_s": 4.0},
    ], clip["products"]
    return clip


_BOTTLE = {"sku": "BTL-500", "name": "Steel bottle 500 ml", "url": "https://shop.example.com/btl-500"}


def _partner_finds_the_clip(
    browser: Browser, partner: str, channel: dict[str, str], clip: dict[str, Any], size: int
) -> None:
    page = browser.open_signed_in("web-rev-partner")
    assert page.url.endswith("/web/partner")
    expect(page.locator(f'#channels li[data-channel-id="{channel["id"]}"]')).to_contain_text("web-shop")
    item = page.locator(f'#partner-clips li[data-clip-id="{clip["id"]}"]')
    expect(item).to_contain_text("Bottle, vertical")
    link = str(item.get_by_role("link", name="Download").get_attribute("href"))
    downloaded = httpx.get(link, timeout=60)
    assert downloaded.status_code == 200
    assert len(downloaded.content) == size

    page.get_by_role("button", name="Copy feed URL").click()
    feed_box = page.get_by_label("Feed URL")
    feed_url = f"{browser.base_url}/v1/partner/feed.xml?channel={channel['id']}&token="
    expect(feed_box).to_have_value(re.compile(f"^{re.escape(feed_url)}.+"), timeout=10_000)
    snapshot(page, "partner")
    feed = httpx.get(feed_box.input_value(), timeout=30)  # no headers: the token is in the URL
    assert feed.status_code == 200
    assert "Bottle, vertical" in feed.text
