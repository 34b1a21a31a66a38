"""A creator in Chromium: books a studio slot (a clash is named before anything is sent),
goes live from the fake camera for 10 s over WHIP, stops, and finds the recording as a ready asset
that plays."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect

from tests.harness.stack import Stack
from tests.harness.tus import wait_for_state
from tests.web.journeys.browser import PASSWORD, Browser, ready, snapshot, wait_for_video

SEOUL = ZoneInfo("Asia/Seoul")
LIVE_S = 10


def _book_by_api(client: httpx.Client, studio_id: str, starts: datetime, hours: int = 1) -> str:
    answer = client.post(
        "/v1/bookings",
        json={
            "studio_id": studio_id,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=hours)).isoformat(),
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _fill_slot(page: Page, starts: datetime, ends: datetime) -> None:
    page.get_by_label("Date").fill(starts.strftime("%Y-%m-%d"))
    page.get_by_label("Starts").fill(starts.strftime("%H:%M"))
    page.get_by_label("Ends").fill(ends.strftime("%H:%M"))


def _slot_from_now() -> tuple[datetime, datetime]:
    """A slot starting within minutes (its key works from 15 min before), on one calendar day in Seoul:
    close to midnight, the next day's first half hour."""
    starts = (datetime.now(SEOUL) + timedelta(minutes=2)).replace(second=0, microsecond=0)
    if starts.hour == 23 and starts.minute >= 49:
        starts = (starts + timedelta(days=1)).replace(hour=0, minute=0)
    ends = min(starts + timedelta(minutes=30), starts.replace(hour=23, minute=59))
    return starts, ends


def test_creator_books_goes_live_for_ten_seconds_and_the_recording_becomes_a_ready_asset(
    web_stack: Stack, browser: Browser
) -> None:
    admin, creator = web_stack.user("web-admin", "admin"), web_stack.user("web-creator", "creator", PASSWORD)
    rival = web_stack.user("web-rival", "creator")
    with web_stack.client(admin) as client:
        studio = client.post("/v1/studios", json={"name": "Studio Gangnam", "timezone": "Asia/Seoul"}).json()
    tomorrow_ten = (datetime.now(SEOUL) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    with web_stack.client(rival) as client:
        _book_by_api(client, studio["id"], tomorrow_ten)
    with web_stack.client(creator) as client:  # a booking whose key does not work yet
        later_id = _book_by_api(client, studio["id"], tomorrow_ten + timedelta(hours=4))

    page = browser.open_signed_in("web-creator")
    starts, ends = _book_a_slot_starting_now(page, browser, tomorrow_ten)
    with web_stack.client(creator) as client:
        mine = client.get("/v1/bookings").json()["items"]
    booked = [b for b in mine if datetime.fromisoformat(b["starts_at"]) == starts]
    assert len(booked) == 1, mine
    assert datetime.fromisoformat(booked[0]["ends_at"]) == ends, mine
    booking_id = booked[0]["id"]
    expect(page.locator(f'#my-bookings li[data-booking-id="{booking_id}"]')).to_have_count(1)

    page.get_by_role("navigation").get_by_role("link", name="Go live").click()
    ready(page)
    lived = _go_live_and_stop(page, browser, creator, booking_id, later_id)
    asset_id = page.locator("#recording a").get_attribute("data-asset-id")
    assert asset_id
    with web_stack.client(creator) as client:
        asset = wait_for_state(client, asset_id, {"ready", "rejected", "failed"}, timeout=180)
        streams = client.get("/v1/live-streams").json()["items"]
    assert asset["state"] == "ready", asset["error"]
    assert lived - 3 <= asset["source"]["duration_s"] <= lived + 1, (lived, asset["source"])
    assert asset["source"]["video_codec"] == "h264", asset["source"]  # the page prefers it, for the preview
    assert asset["source"]["audio_codec"], asset["source"]
    assert [s["asset_id"] for s in streams if s["booking_id"] == booking_id] == [asset_id]

    _recording_plays_in_the_asset_pages(page, asset_id)
    # Chromium logs every refused fetch as a console error: the second tab's 409 is the one expected.
    refused = [e for e in browser.console_errors if "status of 409" in e]
    assert len(refused) == 1, browser.console_errors
    assert [e for e in browser.console_errors if e not in refused] == []


def _book_a_slot_starting_now(
    page: Page, browser: Browser, tomorrow_ten: datetime
) -> tuple[datetime, datetime]:
    """On the booking page: a clash with tomorrow's rival booking is named before anything is sent,
    a calendar hour fills the form from the keyboard, and a slot starting now is booked; returns
    the slot booked."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a studio")
    # Typing tomorrow's date shows tomorrow's week, with the rival's hour marked booked.
    _fill_slot(page, tomorrow_ten + timedelta(minutes=30), tomorrow_ten + timedelta(minutes=90))
    expect(page.locator("#calendar td.booked")).to_have_count(2)  # the rival's hour and ours, 4 h later
    expect(page.locator("#conflict")).to_contain_text("overlaps a booking")
    expect(page.get_by_role("button", name="Book", exact=True)).to_be_disabled()
    assert ("POST", "/v1/bookings") not in browser.requests  # shown before submitting
    snapshot(page, "book-conflict")

    page.locator("#calendar td button").last.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Starts")).to_have_value("23:00")
    expect(page.get_by_label("Ends")).to_have_value("23:59")

    starts, ends = _slot_from_now()
    _fill_slot(page, starts, ends)
    expect(page.locator("#conflict")).to_be_hidden()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#booked")).to_contain_text("Stream key: sk_")
    snapshot(page, "book")
    return starts, ends


def _live_seconds(page: Page) -> int:
    return int(str(page.locator("#live-timer").get_attribute("datetime")).strip("PTS"))


def _go_live_and_stop(page: Page, browser: Browser, creator: str, booking_id: str, later_id: str) -> float:
    """Live from the booking's key for at least LIVE_S, a second tab refused meanwhile; returns how
    long the page was live as this test measured it."""
    source = page.get_by_label("Stream key", exact=True)
    source.select_option(later_id)
    expect(page.locator("#live-message")).to_contain_text("15 minutes before to 15 minutes after")
    expect(page.get_by_role("button", name="Go live")).to_be_disabled()
    source.select_option(booking_id)
    expect(page.locator("#live-message")).to_be_hidden()
    expect(page.get_by_label("Camera", exact=True)).not_to_have_value("")
    expect(page.get_by_label("Microphone", exact=True)).not_to_have_value("")
    wait_for_video(page, "preview", "v.videoWidth > 0")
    page.get_by_role("button", name="Go live").click()
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "live", timeout=30_000)
    went_live = time.monotonic()
    page.wait_for_function(
        "parseInt(document.getElementById('live-timer').dateTime.slice(2)) >= 3", timeout=10_000
    )
    snapshot(page, "live")
    _a_second_publisher_is_refused(browser, creator, booking_id)
    page.wait_for_timeout(max(0.0, LIVE_S - (time.monotonic() - went_live)) * 1000)
    assert _live_seconds(page) >= LIVE_S - 1
    page.get_by_role("button", name="Stop").click()
    lived = time.monotonic() - went_live
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "ended")
    expect(page.locator("#recording a")).to_be_visible(timeout=60_000)
    return lived


def _a_second_publisher_is_refused(browser: Browser, creator: str, booking_id: str) -> None:
    second = browser.open_signed_in("web-creator")
    second.get_by_role("navigation").get_by_role("link", name="Go live").click()
    ready(second)
    second.get_by_label("Stream key", exact=True).select_option(booking_id)
    second.get_by_role("button", name="Go live").click()
    expect(second.locator("#live-message")).to_have_text(
        "This stream is already live from another publisher."
    )
    expect(second.locator("#connection-state")).to_have_attribute("data-state", "idle")
    expect(second.get_by_role("button", name="Go live")).to_be_enabled()
    second.close()


def _recording_plays_in_the_asset_pages(page: Page, asset_id: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Assets").click()
    ready(page)
    item = page.locator(f'#assets li[data-asset-id="{asset_id}"]')
    expect(item).to_have_attribute("data-state", "ready")
    snapshot(page, "assets")
    item.get_by_role("link").click()
    ready(page, timeout=60_000)
    wait_for_video(page, "player", "v.readyState >= 2")
    page.evaluate("document.getElementById('player').muted = true; document.getElementById('player').play()")
    wait_for_video(page, "player", "v.currentTime > 1")
    snapshot(page, "asset-live-recording")
