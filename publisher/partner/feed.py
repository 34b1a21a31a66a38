"""A channel's delivered clips as Media RSS 1.5 (RSS 2.0 with the `media:` namespace)."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from publisher.publications.schemas import PartnerClipOut
from shopcast.xml_text import xml_safe

__all__ = ["MEDIA_NS", "SHOPCAST_NS", "render_feed"]

MEDIA_NS = "http://search.yahoo.com/mrss/"
SHOPCAST_NS = "https://shopcast.dev/ns/products/1.0"  # an identifier, never fetched
ET.register_namespace("media", MEDIA_NS)
ET.register_namespace("shopcast", SHOPCAST_NS)


def _media(tag: str) -> str:
    return f"{{{MEDIA_NS}}}{tag}"


def _element(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    """A child whose text and attribute values hold only characters XML allows: ElementTree writes
    U+FFFF or a control character as it is, and one such title stored before input checks refused
    them would make the whole feed unparseable."""
    child = ET.SubElement(parent, tag, {name: xml_safe(value) for name, value in attributes.items()})
    if text is not None:
        child.text = xml_safe(text)
    return child


def _product(item: ET.Element, product: dict[str, object]) -> None:
    """`<shopcast:product sku= name= url= price= currency= image= start= end=/>`: when a product is on
    screen, in seconds of the delivered media."""
    start = product.get("start_s", product.get("at_s"))
    fields = {
        "sku": product.get("sku"),
        "name": product.get("name"),
        "url": product.get("url"),
        "price": product.get("price"),
        "currency": product.get("currency"),
        "image": product.get("image_url"),
        "start": start,
        "end": product.get("end_s"),
    }
    _element(
        item,
        f"{{{SHOPCAST_NS}}}product",
        **{key: str(value) for key, value in fields.items() if value is not None},
    )


def render_feed(title: str, link: str, clips: Sequence[PartnerClipOut], size: tuple[int, int]) -> bytes:
    """The RSS document, UTF-8 with its XML declaration; `size` is the channel profile's picture."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _element(rss, "channel")
    _element(channel, "title", title)
    _element(channel, "link", link)
    _element(channel, "description", f"Clips published to {title}")
    for clip in clips:
        _item(channel, clip, size)
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document


def _item(channel: ET.Element, clip: PartnerClipOut, size: tuple[int, int]) -> None:
    item = _element(channel, "item")
    name = clip.title or f"Clip {clip.clip_id or clip.asset_id}"
    _element(item, "title", name)
    _element(item, "guid", clip.id, isPermaLink="false")
    if clip.delivered_at is not None:
        _element(item, "pubDate", format_datetime(clip.delivered_at))
    _element(
        item, "enclosure", url=clip.download_url, type=clip.content_type, length=str(clip.file_size or 0)
    )
    content = {
        "url": clip.download_url,
        "type": clip.content_type,
        "medium": "video",
        "fileSize": str(clip.file_size or 0),
        "duration": str(round(clip.duration_s or 0)),
        "width": str(size[0]),
        "height": str(size[1]),
    }
    media = _element(item, _media("content"), **content)
    _element(media, _media("title"), name)
    _element(media, _media("description"), ", ".join(p.get("name", "") for p in clip.products) or name)
    if clip.thumbnail_url:
        _element(media, _media("thumbnail"), url=clip.thumbnail_url)
    for product in clip.products:
        _product(item, product)
    for subtitles in clip.subtitles:
        href = subtitles.vtt_url or subtitles.srt_url
        kind = "text/vtt" if subtitles.vtt_url else "application/x-subrip"
        if href:
            _element(media, _media("subTitle"), type=kind, lang=subtitles.language, href=href)
