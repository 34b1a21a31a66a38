"""A live show with two product pins, followed from the PD's preview to the channel: the preview's
DATERANGE tags, the recording's product timeline, a clip across the second pin, the VOD playlists, the
publication's sidecar, the partner API and the MRSS feed. The publisher is FFmpeg reporting its
progress against the wall clock, so the test knows which moment of the source was on air at each pin.
"""

from __future__ import annotations

import re
import time
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest

from tests.harness.encoders import encoder_source, publish_url
from tests.harness.live import new_stream, wait_for
from tests.harness.media import MediaFactory
from tests.harness.paced_publisher import PacedPublisher
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.publisher.studio import create_channel, user_id, wait_settled

TEA = {"sku": "TEA-01", "name": "제주 녹차 \"첫물\"", "url": "https://shop.example.com/tea", "price": 19900,
       "currency": "KRW", "image_url": "https://shop.example.com/tea.jpg"}  # fmt: skip
MUG = {"sku": "MUG-02", "name": "Stoneware mug", "url": "https://shop.example.com/mug", "price": 12000}
_DATERANGE = re.compile(r"^#EXT-X-DATERANGE:(.*)$", re.MULTILINE)
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
SHOPCAST_NS = "{https://shopcast.dev/ns/products/1.0}"


def dateranges(playlist: str) -> list[dict[str, str]]:
    return [
        {name: value.strip('"') for name, value in _ATTRIBUTE.findall(found)}
        for found in _DATERANGE.findall(playlist)
    ]


def _epoch(date: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()


def _pin_shows_in_preview(preview_url: str, sku: str, pinned_at: float) -> float:
    """Seconds from the pin until the preview lists its tag and a dated segment that holds it."""

    def placed(text: str) -> bool:
        tags = [tag for tag in dateranges(text) if tag.get("X-SKU") == sku]
        lines = text.splitlines()
        dated = [i for i, line in enumerate(lines) if line.startswith("#EXT-X-PROGRAM-DATE-TIME:")]
        if not tags or not dated:
            return False
        last_start = _epoch(lines[dated[-1]].split(":", 1)[1])
        last_end = last_start + float(lines[dated[-1] + 1].removeprefix("#EXTINF:").rstrip(","))
        return last_end >= _epoch(tags[0]["START-DATE"])

    poll(lambda: httpx.get(preview_url, timeout=10).text, placed, timeout_s=15, interval_s=0.2,
         what=f"the preview placing {sku}")  # fmt: skip
    return time.time() - pinned_at


def _pin(client: httpx.Client, stream_id: str, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    before = time.time()
    answer = client.post(f"/v1/live-streams/{stream_id}/products", json=body)
    after = time.time()
    assert answer.status_code == 201, answer.text
    return (before + after) / 2, answer.json()


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_pins_follow_the_show_into_the_recording_clips_and_channels(
    stack: Stack, media: MediaFactory
) -> None:
    source = encoder_source(media.folder, 14)
    creator = stack.user(f"pin-creator-{time.monotonic_ns()}", "creator")
    admin = stack.user(f"pin-admin-{time.monotonic_ns()}", "admin")
    partner = stack.user(f"pin-partner-{time.monotonic_ns()}", "partner")
    with stack.client(creator) as client:
        assert client.post("/v1/products", json={k: v for k, v in TEA.items()}).status_code == 201
        stream = new_stream(client, "tea and mugs")
        publisher = PacedPublisher(source, publish_url(stream, "rtmp"))
        live = wait_for(client, f"/v1/live-streams/{stream['id']}", "preview_hls", timeout=30)
        poll(lambda: httpx.get(live["preview_hls"], timeout=10).text, lambda t: ".ts" in t, timeout_s=20,
             interval_s=0.3, what="a first preview segment")  # fmt: skip
        time.sleep(max(0.0, 4.0 - publisher.media_time(time.time())))
        tea_at, tea = _pin(client, stream["id"], {"sku": "TEA-01"})  # the catalogue fills the rest
        assert (tea["name"], tea["price"], tea["end_s"]) == (TEA["name"], 19900, None)
        tea_delay = _pin_shows_in_preview(live["preview_hls"], "TEA-01", tea_at)
        time.sleep(max(0.0, 8.5 - publisher.media_time(time.time())))
        mug_at, _ = _pin(client, stream["id"], MUG)
        mug_delay = _pin_shows_in_preview(live["preview_hls"], "MUG-02", mug_at)
        preview = httpx.get(live["preview_hls"], timeout=10).text
        target = int(re.findall(r"#EXT-X-TARGETDURATION:(\d+)", preview)[0])
        assert max(tea_delay, mug_delay) <= target + 1.0, (tea_delay, mug_delay, preview)
        tags = {tag["X-SKU"]: tag for tag in dateranges(preview)}
        assert tags["TEA-01"]["CLASS"] == "com.shopcast.product"
        assert abs(_epoch(tags["TEA-01"]["START-DATE"]) - tea_at) < 0.2
        assert abs(float(tags["TEA-01"]["DURATION"]) - (mug_at - tea_at)) < 0.2, (
            "the first pin ended at the second"
        )
        assert tags["TEA-01"]["X-NAME"] == "제주 녹차 \u201d첫물\u201d", (
            "a quoted-string holds no double quote"
        )
        assert (tags["MUG-02"]["X-URL"], tags["MUG-02"]["X-PRICE"]) == (MUG["url"], "12000")
        publisher.finish()
        tea_expected, mug_expected = publisher.media_time(tea_at), publisher.media_time(mug_at)
        ended = wait_for(client, f"/v1/live-streams/{stream['id']}", "asset_id", timeout=60)
        asset_id = str(ended["asset_id"])

        timeline = client.get(f"/v1/assets/{asset_id}/products").json()["products"]
        assert [entry["sku"] for entry in timeline] == ["TEA-01", "MUG-02"]
        assert abs(timeline[0]["start_s"] - tea_expected) <= 0.5, (timeline, tea_expected)
        assert abs(timeline[1]["start_s"] - mug_expected) <= 0.5, (timeline, mug_expected)
        assert timeline[0]["end_s"] == pytest.approx(timeline[1]["start_s"], abs=0.01)
        assert timeline[1]["end_s"] == pytest.approx(14.0, abs=0.5), "the last pin ends with the show"

        playable = wait_for(client, f"/v1/assets/{asset_id}", "playback", timeout=240)
        hls = poll(lambda: client.get(f"/v1/assets/{asset_id}").json()["playback"]["hls"], bool,
                   timeout_s=240, interval_s=0.5, what="the recording's ladder")  # fmt: skip
        assert playable["products"] == timeline
        master = httpx.get(hls, timeout=10).text
        variant = next(line for line in master.splitlines() if line and not line.startswith("#"))
        media_playlist = httpx.get(httpx.URL(hls).join(variant), timeout=10).text
        vod = {tag["X-SKU"]: tag for tag in dateranges(media_playlist)}
        assert set(vod) == {"TEA-01", "MUG-02"}
        assert "#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:00.000Z" in media_playlist
        assert _epoch(vod["MUG-02"]["START-DATE"]) == pytest.approx(timeline[1]["start_s"], abs=0.001)

        cut_in = round(timeline[1]["start_s"] - 1.5, 3)
        clip = client.post(
            "/v1/clips", json={"asset_id": asset_id, "ranges": [{"in_s": cut_in, "out_s": cut_in + 4}]}
        )
        assert clip.status_code == 201, clip.text
        products = clip.json()["products"]
        assert [(p["sku"], p["start_s"], p["end_s"]) for p in products] == [
            ("TEA-01", 0.0, pytest.approx(1.5, abs=0.01)),
            ("MUG-02", pytest.approx(1.5, abs=0.01), pytest.approx(4.0, abs=0.01)),
        ], "the clip inherits the entries it shows, re-timed"
        clip_id = clip.json()["id"]
        poll(lambda: client.get(f"/v1/clips/{clip_id}").json()["state"], lambda s: s in ("ready", "failed"),
             timeout_s=240, interval_s=0.5, what="the clip render")  # fmt: skip

    with stack.client(admin) as admin_client:
        profile = {"extends": "vcommerce", "name": f"pins-{time.monotonic_ns()}", "subtitles": {"burn": None}}
        channel = create_channel(admin_client, f"pins-{time.monotonic_ns()}", profile, {"type": "pull"},
                                 [user_id(stack, partner)])  # fmt: skip
    with stack.client(creator) as client:
        answer = client.post("/v1/publications", json={"clip_id": clip_id, "channel_id": channel["id"]})
        assert answer.status_code in (200, 201), answer.text
        delivered = wait_settled(client, answer.json()["id"], timeout=300)
        assert delivered["state"] == "delivered", delivered
    with stack.client(partner) as partner_client:
        item = partner_client.get(f"/v1/partner/clips/{delivered['id']}").json()
        assert [(p["sku"], p["start_s"]) for p in item["products"]] == [
            ("TEA-01", 0.0),
            ("MUG-02", pytest.approx(1.5, abs=0.01)),
        ]
        feed = partner_client.get(f"/v1/partner/feed.xml?channel={channel['id']}")
        assert feed.status_code == 200, feed.text
        listed = ET.fromstring(feed.content).findall(f"channel/item/{SHOPCAST_NS}product")  # noqa: S314
        found: list[Any] = [
            (p.get("sku"), float(p.get("start") or -1), float(p.get("end") or -1)) for p in listed
        ]
        assert found == [
            ("TEA-01", 0.0, pytest.approx(1.5, abs=0.01)),
            ("MUG-02", pytest.approx(1.5, abs=0.01), pytest.approx(4.0, abs=0.01)),
        ]
        names = [f["name"] for f in item.get("files", [])] if "files" in item else []
        assert not names or any(name.endswith(".products.json") for name in names)
