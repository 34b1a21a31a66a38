"""What the shoppable embed player shows of one asset or clip: where its HLS plays from, its poster,
its captions and its product timeline as cards.

The embed page is served from this same origin and must make no request anywhere else, so its URLs
are made origin-relative here (the playback URLs are signed, expiring and carry their own tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ingest import products_of, source_of
from shopcast.embed_links import EmbedKind, embed_token_valid
from shopcast.errors import Forbidden, NotFound
from shopcast.runtime import Runtime
from transcode import asset_outputs_view, clip_by_id, clip_out

_DEFAULT_CARD_S = 10.0  # how long a clip product that names only its moment (`at_s`) stays on screen


@dataclass(frozen=True)
class EmbedCard:
    sku: str
    name: str
    url: str | None
    price: float | None
    currency: str | None
    image_url: str | None
    start_s: float
    end_s: float


@dataclass(frozen=True)
class EmbedCaption:
    language: str
    kind: str  # transcript or translation
    url: str  # WebVTT, signed and expiring


@dataclass(frozen=True)
class EmbedTarget:
    kind: EmbedKind
    object_id: str
    hls: str
    poster: str | None
    cards: list[EmbedCard]
    captions: list[EmbedCaption]


def require_token(runtime: Runtime, kind: EmbedKind, object_id: str, token: str) -> None:
    """Forbidden (`invalid_token`) unless the token was signed for this one object's embed and lives."""
    if not token or not embed_token_valid(runtime.settings, kind, object_id, token):
        raise Forbidden("this embed link is invalid or has expired", code="invalid_token")


def embed_target(session: Session, runtime: Runtime, kind: EmbedKind, object_id: str) -> EmbedTarget:
    """The object's playback and cards; NotFound when it is gone or does not play yet."""
    if kind == "asset":
        target = _asset_target(session, runtime, object_id)
    else:
        target = _clip_target(session, runtime, object_id)
    if target is None:
        raise NotFound("nothing to play here (yet)")
    return target


def object_skus(session: Session, kind: EmbedKind, object_id: str) -> frozenset[str] | None:
    """The SKUs on the object's timeline; None when the object is gone."""
    if kind == "asset":
        if source_of(session, object_id) is None:
            return None
        return frozenset(str(p["sku"]) for p in products_of(session, object_id))
    clip = clip_by_id(session, object_id)
    return None if clip is None else frozenset(str(p["sku"]) for p in clip.products or [])


def _asset_target(session: Session, runtime: Runtime, asset_id: str) -> EmbedTarget | None:
    if source_of(session, asset_id) is None:
        return None
    outputs = asset_outputs_view(session, runtime, asset_id)
    if outputs.hls is None:
        return None
    public = runtime.settings.public_url
    return EmbedTarget(
        kind="asset",
        object_id=asset_id,
        hls=same_origin(public, outputs.hls) or "",
        poster=same_origin(public, outputs.thumbnails.poster_url),
        cards=cards_of(products_of(session, asset_id)),
        captions=[
            EmbedCaption(language=sub.language, kind=sub.kind, url=url)
            for sub in outputs.subtitles
            if (url := same_origin(public, sub.vtt_url)) is not None
        ],
    )


def _clip_target(session: Session, runtime: Runtime, clip_id: str) -> EmbedTarget | None:
    clip = clip_by_id(session, clip_id)
    if clip is None:
        return None
    shape = clip_out(session, runtime.settings, clip)
    if shape.playback.hls is None:
        return None
    public = runtime.settings.public_url
    return EmbedTarget(
        kind="clip",
        object_id=clip_id,
        hls=same_origin(public, shape.playback.hls) or "",
        poster=None,
        cards=cards_of(list(clip.products or [])),
        captions=[],  # a clip's captions are burned in, or not there
    )


def same_origin(public_url: str, url: str | None) -> str | None:
    """`url` as a path on this origin; None for nothing, or for a URL elsewhere (never fetched)."""
    base = public_url.rstrip("/")
    if url is None or not url.startswith(base + "/"):
        return None
    return url[len(base) :]


def cards_of(products: list[dict[str, Any]]) -> list[EmbedCard]:
    """The timeline as cards in time order. Older clip products name one moment (`at_s`): such a card
    lasts until the next one starts, or `_DEFAULT_CARD_S`."""
    starts = sorted(float(p.get("start_s", p.get("at_s", 0.0)) or 0.0) for p in products)
    cards = []
    for product in products:
        start = float(product.get("start_s", product.get("at_s", 0.0)) or 0.0)
        later = [s for s in starts if s > start]
        end = product.get("end_s")
        cards.append(
            EmbedCard(
                sku=str(product["sku"]),
                name=str(product.get("name") or product["sku"]),
                url=product.get("url"),
                price=product.get("price"),
                currency=product.get("currency"),
                image_url=product.get("image_url"),
                start_s=start,
                end_s=float(end) if end is not None else (later[0] if later else start + _DEFAULT_CARD_S),
            )
        )
    return sorted(cards, key=lambda c: (c.start_s, c.end_s))
