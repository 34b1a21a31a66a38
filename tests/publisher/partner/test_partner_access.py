"""The partner side: a partner sees only its channels' clips (404 for the rest), with the product
timeline, subtitles and signed URLs that work until they expire (403 after); the channel's feed is
valid Media RSS that feedparser reads, by bearer token or by a revocable feed token."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
import httpx
import pytest
from sqlalchemy import delete

from publisher.channels.models import ChannelPartner
from shopcast.db import transaction
from tests.harness.stack import Stack
from tests.publisher.studio import BOTTLE, Studio, create_channel, publish, sha256_hex, user_id, wait_settled

MEDIA = "{http://search.yahoo.com/mrss/}"


@dataclass(frozen=True)
class Published:
    partner: str  # the API tokens of two partners with a channel each
    other_partner: str
    mine: dict[str, Any]  # the first partner's channel, with the delivered publication
    theirs: dict[str, Any]
    publication: dict[str, Any]


@pytest.fixture(scope="module")
def published(stack: Stack, studio: Studio) -> Published:
    partner = stack.user(f"feed-partner-{stack.name}", "partner")
    other = stack.user(f"feed-other-{stack.name}", "partner")
    with stack.client(studio.admin) as admin:
        mine = create_channel(
            admin, f"mine-{stack.name}", "overseas", {"type": "pull"}, [user_id(stack, partner)]
        )
        theirs = create_channel(
            admin, f"theirs-{stack.name}", "overseas", {"type": "pull"}, [user_id(stack, other)]
        )
    with stack.client(studio.creator) as creator:
        done = wait_settled(creator, publish(creator, studio.clip_id, mine["id"])["id"])
    assert done["state"] == "delivered", done
    return Published(partner, other, mine, theirs, done)


def test_a_partner_sees_only_its_channels_clips(stack: Stack, studio: Studio, published: Published) -> None:
    mine, theirs, publication = published.mine, published.theirs, published.publication
    with stack.client(published.partner) as partner:
        listed = partner.get("/v1/partner/clips").json()
        assert [item["id"] for item in listed["items"]] == [publication["id"]]
        item = partner.get(f"/v1/partner/clips/{publication['id']}").json()
        assert item["channel"] == mine["name"]
        assert item["duration_s"] == pytest.approx(8.0, abs=0.1)
        assert [(p["sku"], p["at_s"]) for p in item["products"]] == [(BOTTLE["sku"], 2.0)], "the timeline"
        assert {s["language"] for s in item["subtitles"]} >= {"en"}
        assert partner.get(f"/v1/channels/{theirs['id']}").status_code == 404
        assert partner.get(f"/v1/publications/{publication['id']}").json()["state"] == "delivered"
    with stack.client(published.other_partner) as other:
        assert other.get("/v1/partner/clips").json()["items"] == []
        assert other.get(f"/v1/partner/clips/{publication['id']}").status_code == 404
        assert other.get(f"/v1/publications/{publication['id']}").status_code == 404
        assert other.get(f"/v1/partner/feed.xml?channel={mine['id']}").status_code == 404
    outsider = stack.user(f"feed-outsider-{stack.name}", "creator")
    with stack.client(outsider) as client:
        assert client.get(f"/v1/partner/clips/{publication['id']}").status_code == 404
        assert client.get("/v1/partner/clips").json()["items"] == []
        assert client.get(f"/v1/partner/feed.xml?channel={mine['id']}").status_code == 404
        assert client.get(f"/v1/publications/{publication['id']}").status_code == 404


def test_signed_urls_work_before_expiry_and_are_refused_after(
    stack: Stack, studio: Studio, published: Published
) -> None:
    publication = published.publication
    with stack.client(published.partner) as partner:
        item = partner.get(f"/v1/partner/clips/{publication['id']}?expires_in=2").json()
    answer = httpx.get(item["download_url"], timeout=60)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "video/mp4"
    assert sha256_hex(answer.content) == publication["receipt"]["sha256"]
    tampered = item["download_url"].replace(publication["id"], "0" * 32)
    assert httpx.get(tampered, timeout=30).status_code == 403
    time.sleep(3.5)  # past the link's 2 s expiry on purpose: not a wait for a state
    expired = httpx.get(item["download_url"], timeout=30)
    assert expired.status_code == 403
    assert expired.json()["error"]["code"] == "link_expired"


def test_the_feed_is_media_rss_that_feedparser_reads_by_bearer_or_revocable_token(
    stack: Stack, studio: Studio, published: Published
) -> None:
    mine, publication = published.mine, published.publication
    with stack.client(published.partner) as partner:
        answer = partner.get(f"/v1/partner/feed.xml?channel={mine['name']}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/rss+xml")
        token = partner.post("/v1/partner/feed-tokens", json={"channel_id": mine["id"]}).json()
    root = ET.fromstring(answer.content)  # noqa: S314 - our own server on loopback
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    items = root.findall("./channel/item")
    assert len(items) == 1
    content = items[0].find(f"{MEDIA}content")
    assert content is not None
    assert content.get("type") == "video/mp4"
    assert int(content.get("fileSize") or 0) == publication["receipt"]["size"]
    assert int(content.get("duration") or 0) == 8
    assert content.find(f"{MEDIA}thumbnail") is not None
    assert [s.get("lang") for s in content.findall(f"{MEDIA}subTitle")] == ["en"]
    assert BOTTLE["name"] in (content.findtext(f"{MEDIA}description") or "")

    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    entry = parsed.entries[0]
    assert entry.media_content[0]["type"] == "video/mp4"
    assert entry.media_content[0]["filesize"] == str(publication["receipt"]["size"])
    assert httpx.get(entry.media_content[0]["url"], timeout=60).status_code == 200
    assert httpx.get(entry.media_thumbnail[0]["url"], timeout=30).headers["content-type"] == "image/jpeg"

    by_token = httpx.get(token["feed_url"], timeout=30)
    assert by_token.status_code == 200
    assert feedparser.parse(by_token.content).entries[0].id == publication["id"]
    with stack.client(published.partner) as partner:
        assert partner.delete(f"/v1/partner/feed-tokens/{token['id']}").status_code == 204
    assert httpx.get(token["feed_url"], timeout=30).status_code == 404


def test_a_feed_token_stops_working_when_its_partner_leaves_the_channel(stack: Stack) -> None:
    partner = stack.user(f"leaving-partner-{stack.name}", "partner")
    partner_id = user_id(stack, partner)
    with stack.client(stack.user(f"leaving-admin-{stack.name}", "admin")) as admin:
        channel = create_channel(admin, f"leaving-{stack.name}", "overseas", {"type": "pull"}, [partner_id])
    with stack.client(partner) as client:
        token = client.post("/v1/partner/feed-tokens", json={"channel_id": channel["id"]}).json()
    assert httpx.get(token["feed_url"], timeout=30).status_code == 200
    with transaction(stack.runtime.sessions) as session:
        session.execute(
            delete(ChannelPartner).where(
                ChannelPartner.channel_id == channel["id"], ChannelPartner.user_id == partner_id
            )
        )
    assert httpx.get(token["feed_url"], timeout=30).status_code == 404, "the token outlived the access"
    with stack.client(partner) as client:
        assert client.get(f"/v1/partner/feed.xml?channel={channel['id']}").status_code == 404
