"""A creator uploads footage through the upload page on a slow uplink, reloads the page half-way,
chooses the same file again and the upload continues where it stopped: the stored source is
byte-identical to the file, and the asset list shows it processed to `ready`."""

from __future__ import annotations

import hashlib

from playwright.sync_api import expect

from tests.harness.media import MediaFactory
from tests.harness.stack import Stack
from tests.web.journeys.browser import PASSWORD, Browser, ready, snapshot

UPLINK_BYTES_PER_S = 1_000_000  # ~8 s for the file: time to reload in the middle


def test_an_upload_survives_a_reload_midway_and_the_source_matches_sha256(
    web_stack: Stack, browser: Browser, web_media: MediaFactory
) -> None:
    source = web_media.h264_aac_1080p30(seconds=4)
    creator = web_stack.user("web-uploader", "creator", PASSWORD)
    page = browser.open_signed_in("web-uploader")
    page.get_by_role("navigation").get_by_role("link", name="Upload").click()
    ready(page)
    uplink = browser.context.new_cdp_session(page)
    uplink.send("Network.enable")
    uplink.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": UPLINK_BYTES_PER_S},
    )

    page.get_by_label("Video file").set_input_files(source)
    page.get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_function("document.getElementById('upload-progress').value >= 0.3", timeout=30_000)
    assert page.evaluate("document.getElementById('upload-progress').value") < 0.9, "too fast to interrupt"
    page.reload()
    ready(page)
    assert page.evaluate("document.getElementById('upload-progress').value") == 0

    page.get_by_label("Video file").set_input_files(source)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#upload-status")).to_contain_text("Resuming from")
    resumed_at = int(page.locator("#upload-status").inner_text().split("from ")[1].rstrip("%"))
    assert resumed_at >= 25
    snapshot(page, "upload-resuming")
    expect(page.locator("#upload-status a")).to_be_visible(timeout=60_000)
    snapshot(page, "upload")

    assert browser.requests.count(("POST", "/v1/uploads")) == 1  # one upload, resumed, not a second one
    asset_id = str(page.locator("#upload-status a").get_attribute("data-asset-id"))
    assert ("HEAD", f"/v1/uploads/{asset_id}") in browser.requests
    assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('shopcast.tus.'))") == []
    with web_stack.client(creator) as client:
        stored = client.get(f"/v1/assets/{asset_id}/source")
    assert stored.status_code == 200
    assert hashlib.sha256(stored.content).hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()

    page.get_by_role("navigation").get_by_role("link", name="Assets").click()
    ready(page)
    item = page.locator(f'#assets li[data-asset-id="{asset_id}"]')
    expect(item).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(item.locator('li[data-kind="probe"]')).to_have_attribute("data-state", "succeeded")
    expect(item.locator('li[data-kind="transcode"] progress')).to_be_attached()
    snapshot(page, "assets-after-upload")
    assert browser.console_errors == []
