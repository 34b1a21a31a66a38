"""A channel's delivered clips as Media RSS 1.5 (RSS 2.0 with the `media:` namespace)."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from publisher.publications.schemas import PartnerClipOut

__all__ = ["MEDIA_NS", "render_feed"]

MEDIA_NS = "http://search.yahoo.com/mrss/"
ET.register_namespace("media", MEDIA_NS)


def _media(tag: str) -> str:
    return f"{{{MEDIA_NS}}}{tag}"


def render_feed(title: str, link: str, clips: Sequence[PartnerClipOut], size: tuple[int, int]) -> bytes:
    """The RSS document, UTF-8 with its XML declaration; `size` is the channel profile's picture."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = link
    ET.SubElement(channel, "description").text = f"Clips published to {title}"
    for clip in clips:
        _item(channel, clip, size)
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document


def _item(channel: ET.Element, clip: PartnerClipOut, size: tuple[int, int]) -> None:
    item = ET.SubElement(channel, "item")
    name = clip.title or f"Clip {clip.clip_id or clip.asset_id}"
    ET.SubElement(item, "title").text = name
    ET.SubElement(item, "guid", {"isPermaLink": "false"}).text = clip.id
    if clip.delivered_at is not None:
        ET.SubElement(item, "pubDate").text = format_datetime(clip.delivered_at)
    ET.SubElement(item, "enclosure", {"url": clip.download_url, "type": clip.content_type,
                                      "length": str(clip.file_size or 0)})  # fmt: skip
    content = {
        "url": clip.download_url,
        "type": clip.content_type,
        "medium": "video",
        "fileSize": str(clip.file_size or 0),
        "duration": str(round(clip.duration_s or 0)),
        "width": str(size[0]),
        "height": str(size[1]),
    }
    media = ET.SubElement(item, _media("content"), content)
    ET.SubElement(media, _media("title")).text = name
    ET.SubElement(media, _media("description")).text = (
        ", ".join(p.get("name", "") for p in clip.products) or name
    )
    if clip.thumbnail_url:
        ET.SubElement(media, _media("thumbnail"), {"url": clip.thumbnail_url})
    for subtitles in clip.subtitles:
        href = subtitles.vtt_url or subtitles.srt_url
        kind = "text/vtt" if subtitles.vtt_url else "application/x-subrip"
        if href:
            ET.SubElement(media, _media("subTitle"), {"type": kind, "lang": subtitles.language, "href": href})
