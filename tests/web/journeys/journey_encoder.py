"""A creator who streams from OBS: the go-live page shows the RTMP server, stream key and SRT URL to
copy; FFmpeg, publishing what was shown, makes the page say the stream is live over RTMP, and a
second encoder on the same key is turned away with the reason on the page. A shopping platform added
on the page as a restream destination goes live with the show, and a product pinned on the page is
on screen until its pin is ended."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.harness.encoders import encoder_source, publish, refused
from tests.harness.media import MediaFactory
from tests.harness.platforms import platform
from tests.harness.stack import Stack
from tests.web.journeys.browser import PASSWORD, Browser, ready, snapshot


def test_creator_copies_the_encoder_settings_and_sees_the_encoder_go_live(
    web_stack: Stack, browser: Browser, web_media: MediaFactory
) -> None:
    web_stack.user("web-encoder", "creator", PASSWORD)
    page = browser.open_signed_in("web-encoder")
    page.get_by_role("navigation").get_by_role("link", name="Go live").click()
    ready(page)
    page.get_by_label("Stream key", exact=True).select_option("new")
    page.get_by_role("button", name="Show the encoder settings").click()
    server = page.get_by_label("RTMP server (OBS: Server)")
    expect(server).to_have_value(f"rtmp://127.0.0.1:{web_stack.settings.rtmp_port}/live")
    key = page.get_by_label("Stream key (OBS: Stream Key)").input_value()
    assert key.startswith("lk_"), key
    srt = page.get_by_label("SRT URL (the whole URL, key and passphrase included)").input_value()
    assert srt.startswith("srt://"), srt
    assert f"streamid={key}" in srt, srt
    assert "passphrase=" in srt, srt
    expect(page.locator('button[data-copy-for="encoder-key"]')).to_have_text("Copy")

    source = encoder_source(web_media.folder, 12, size="640x360", bitrate="800k")
    encoder = publish(source, f"{server.input_value()}/{key}", "rtmp", loops=3)  # still live at the pin
    shop = platform("rtmp", web_media.folder)
    try:
        state = page.locator("#encoder-state")
        expect(state).to_have_attribute("data-state", "live", timeout=30_000)
        expect(state).to_have_attribute("data-ingest", "rtmp")
        expect(state).to_have_text("live over RTMP")
        refused(publish(source, srt, "srt"))  # the key is busy, whatever the protocol
        expect(page.locator("#encoder-refused")).to_contain_text("already live", timeout=15_000)
        page.get_by_label("Platform", exact=True).fill("Our mall")
        page.get_by_label("Its RTMP(S) or SRT URL, with the stream key").fill(shop.url)
        page.get_by_role("button", name="Add").click()
        pushed = page.locator("#destinations li", has_text="Our mall")
        expect(pushed.locator("[data-state]")).to_have_attribute("data-state", "live", timeout=20_000)
        expect(pushed).not_to_contain_text("platform-secret-key-1234")  # the key is shown masked
        page.get_by_label("SKU (from your catalogue, or a new one)").fill("MUG-1")
        page.get_by_label("Name (when the SKU is not in your catalogue)").fill("Blue mug")
        page.get_by_role("button", name="Pin now").click()
        pinned = page.locator('#pin-list li[data-sku="MUG-1"]')
        expect(pinned).to_have_attribute("data-open", "true", timeout=10_000)
        expect(pinned).to_contain_text("Blue mug")
        snapshot(page, "encoder-live")
        page.get_by_role("button", name="End the current pin").click()
        expect(pinned).to_have_attribute("data-open", "false", timeout=10_000)
    finally:
        encoder.kill()
        encoder.wait()
        shop.kill()
