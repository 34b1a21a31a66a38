"""The fields every product carries, checked the same way wherever a product comes in: a catalogue
entry, a pin, a timeline entry.

They end up in HLS playlists (quoted strings), MRSS feeds (XML), JSON sidecars and the embed page,
so text must be one printable line that XML can carry, links must be http(s) URLs, prices finite
and not negative, currencies ISO 4217 codes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from urllib.parse import urlsplit

from pydantic import Field

from shopcast.api.nul_refusal import RequestModel
from shopcast.xml_text import single_line

_CURRENCY = re.compile(r"^[A-Z]{3}$")


class ProductFieldsIn(RequestModel):
    """What a request may say of a product; `name` may be left out when the SKU is in the catalogue."""

    sku: str = Field(min_length=1, max_length=100)
    name: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    price: float | None = None
    currency: str | None = Field(default=None, max_length=3)
    image_url: str | None = Field(default=None, max_length=2000)


def web_link(field: str, value: str | None, problems: list[str]) -> str | None:
    if value is None or not value.strip():
        return None
    link = value.strip()
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"{field}: must be an http or https URL")
    elif any(char.isspace() or char in '"<>' or unicodedata.category(char) == "Cc" for char in link):
        problems.append(f"{field}: must be a URL without spaces, quotes or angle brackets")
    return link


def checked_fields(prefix: str, product: ProductFieldsIn, problems: list[str]) -> dict[str, object]:
    """The product's fields, cleaned; problems are appended, each naming its field."""
    price = product.price
    if price is not None and (not math.isfinite(price) or price < 0):
        problems.append(f"{prefix}price: must be a number of at least 0")
    currency = product.currency.upper() if product.currency else None
    if currency is not None and not _CURRENCY.match(currency):
        problems.append(f"{prefix}currency: must be an ISO 4217 code such as KRW or USD")
    return {
        "sku": single_line(f"{prefix}sku", product.sku, problems),
        "name": single_line(f"{prefix}name", product.name, problems) if product.name is not None else None,
        "url": web_link(f"{prefix}url", product.url, problems),
        "price": price,
        "currency": currency,
        "image_url": web_link(f"{prefix}image_url", product.image_url, problems),
    }
