"""A title or product name holding characters XML 1.0 forbids (U+FFFF, U+FFFE, C0 controls) or a
noncharacter, stored before input checks refused them, cannot break a channel's Media RSS feed: the
feed leaves those characters out and still parses, with ElementTree and with feedparser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
from sqlalchemy import update

from publisher.partner.feed import render_feed
from publisher.publications.schemas import PartnerClipOut
from shopcast.db import transaction
from shopcast.xml_text import is_interchangeable, xml_safe
from tests.harness.stack import Stack
from tests.publisher.studio import Studio, create_channel, make_clip, user_id, wait_settled
from transcode.clips.models import Clip

BAD_TITLE = "Summer\uffff sale\ufffe \x01today\ufdd0"
BAD_PRODUCT = "Bottle\U0001fffe 500\x0b ml"
MEDIA = "{http://search.yahoo.com/mrss/}"


def _parsed(body: bytes) -> Any:
    root = ET.fromstring(body)  # noqa: S314 - our own document
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return root, parsed


def test_text_checks_know_which_characters_xml_allows() -> None:
    for bad in ("\uffff", "\ufffe", "\x00", "\x01", "\x1f", "\ud800", "\ufdd0", "\U0010ffff"):
        assert not is_interchangeable(f"a{bad}b"), repr(bad)
        assert xml_safe(f"a{bad}b") == "ab"
    for good in ("Hello", "한국어 라이브", "tab\tand\nline", "emoji \U0001f600", "\ufffd"):
        assert is_interchangeable(good), repr(good)
        assert xml_safe(good) == good


def test_the_feed_renderer_drops_what_xml_cannot_carry() -> None:
    clip = PartnerClipOut(
        id="f" * 32, clip_id="c" * 32, asset_id="a" * 32, channel="shop", title=BAD_TITLE, duration_s=4.0,
        content_type="video/mp4", file_size=10, download_url="http://127.0.0.1:1/media.mp4?token=x\uffff",
        thumbnail_url=None, expires_at=datetime.now(UTC), products=[{"name": BAD_PRODUCT}], subtitles=[],
        delivered_at=datetime.now(UTC),
    )  # fmt: skip
    root, parsed = _parsed(render_feed("shop\uffff", "http://127.0.0.1:1/feed", [clip], (1920, 1080)))
    assert root.findtext("./channel/title") == "shop"
    assert parsed.entries[0].title == "Summer sale today"
    assert parsed.entries[0].media_content[0]["url"] == "http://127.0.0.1:1/media.mp4?token=x"


def test_a_stored_title_with_u_ffff_leaves_the_channel_feed_readable(stack: Stack, studio: Studio) -> None:
    partner = stack.user(f"xml-partner-{stack.name}", "partner")
    small = {"extends": "overseas", "name": "feed-360p", "picture": {"width": 640, "height": 360}}
    with stack.client(studio.admin) as admin:
        channel = create_channel(
            admin, f"xml-{stack.name}", small, {"type": "pull"}, [user_id(stack, partner)]
        )
    with stack.client(studio.creator) as creator:
        clip_id = make_clip(creator, studio.asset_id, 1.0, 4.5)
        answer = creator.post("/v1/publications", json={"clip_id": clip_id, "channel_id": channel["id"]})
        assert answer.status_code == 201, answer.text
        done = wait_settled(creator, answer.json()["id"])
    assert done["state"] == "delivered", done
    with transaction(stack.runtime.sessions) as session:
        clip = session.get(Clip, clip_id)
        assert clip is not None
        edit, products = (
            {**clip.edit, "title": BAD_TITLE},
            [{**p, "name": BAD_PRODUCT} for p in clip.products],
        )
        session.execute(update(Clip).where(Clip.id == clip_id).values(edit=edit, products=products))
    with stack.client(partner) as client:
        feed = client.get("/v1/partner/feed.xml", params={"channel": channel["id"]})
        assert client.get(f"/v1/partner/clips/{done['id']}").json()["title"] == BAD_TITLE, "stored as it was"
    assert feed.status_code == 200, feed.text
    root, parsed = _parsed(feed.content)
    assert [item.findtext("guid") for item in root.findall("./channel/item")] == [done["id"]]
    entry = parsed.entries[0]
    assert entry.title == "Summer sale today"
    assert root.findtext(f"./channel/item/{MEDIA}content/{MEDIA}description") == "Bottle 500 ml"
