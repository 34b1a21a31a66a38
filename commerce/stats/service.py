"""Viewer stats: admitting a beacon (its token, its object, its SKU, its sender's rate), and adding
up an asset's or clip's sessions for the people allowed to see them.

A sender is bounded by its address, which is kept only in memory and only as a keyed hash that
changes daily: enough to tell one flood from many viewers, never stored anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commerce.embed.service import object_skus
from commerce.stats.ledger import Beacon
from commerce.stats.models import ViewerMark, ViewerSession
from commerce.stats.schemas import BeaconIn, ProductStats, StatsOut
from ingest import get_visible_asset
from publisher import delivered_to_channels_of
from shopcast.auth.models import Role
from shopcast.auth.service import Principal
from shopcast.embed_links import EmbedKind, embed_token_valid
from shopcast.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from shopcast.settings import Settings
from transcode import get_visible_clip

# One address may send this many beacons a second (a mall's office or a carrier's NAT holds many
# viewers; one viewer sends one every few seconds), after a burst of _ADDRESS_BURST.
_ADDRESS_RATE_PER_S = 100.0
_ADDRESS_BURST = 500.0
_MAX_SENDERS = 50_000
_SKUS_TTL_S = 10.0


def admit(settings: Settings, body: BeaconIn, skus: frozenset[str] | None) -> Beacon:
    """The beacon to count; Forbidden (`invalid_token`) for a token not signed for its object,
    NotFound when the object is gone, ValidationFailed (`unknown_sku`) for a SKU not on its timeline."""
    kind, object_id = body.subject
    if not embed_token_valid(settings, kind, object_id, body.token):
        raise Forbidden("this embed token is invalid, expired or for something else", code="invalid_token")
    if skus is None:
        raise NotFound("no such asset or clip")
    sku = body.sku if body.type.startswith("product_") else None
    if sku is not None and sku not in skus:
        raise ValidationFailed(f"{sku!r} is not on this {kind}'s product timeline", code="unknown_sku")
    return Beacon(kind, object_id, body.session, body.type, body.at_s, sku or "", time.time())


@dataclass
class SkuCache:
    """The SKUs of each object's timeline, re-read every few seconds rather than on every beacon."""

    known: dict[tuple[str, str], tuple[frozenset[str] | None, float]] = field(default_factory=dict)

    def get(self, kind: EmbedKind, object_id: str) -> tuple[bool, frozenset[str] | None]:
        found = self.known.get((kind, object_id))
        if found is None or found[1] < time.monotonic():
            return False, None
        return True, found[0]

    def load(self, session: Session, kind: EmbedKind, object_id: str) -> frozenset[str] | None:
        skus = object_skus(session, kind, object_id)
        if len(self.known) > _MAX_SENDERS:
            self.known = {}
        self.known[(kind, object_id)] = (skus, time.monotonic() + _SKUS_TTL_S)
        return skus


@dataclass
class SenderBuckets:
    """Token buckets per sender address, keyed by a daily HMAC of it."""

    secret: str
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, address: str, beacons: int = 1) -> None:
        """RateLimited when the address is sending more than many viewers would."""
        now = time.monotonic()
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        key = hmac.new(f"{self.secret}:{day}".encode(), address.encode(), hashlib.blake2b).hexdigest()[:32]
        if len(self.buckets) > _MAX_SENDERS:
            self.buckets = {}
        tokens, last = self.buckets.get(key, (_ADDRESS_BURST, now))
        tokens = min(_ADDRESS_BURST, tokens + (now - last) * _ADDRESS_RATE_PER_S)
        if tokens < beacons:
            self.buckets[key] = (tokens, now)
            raise RateLimited(
                "too many beacons from here; slow down", code="rate_limited", headers={"Retry-After": "1"}
            )
        self.buckets[key] = (tokens - beacons, now)


def stats_of(session: Session, principal: Principal, kind: EmbedKind, object_id: str) -> StatsOut:
    """The object's sums; NotFound for anyone who may not see it (a partner sees what was delivered
    to one of its channels)."""
    skus = _visible_skus(session, principal, kind, object_id)
    where = (ViewerSession.object_kind == kind, ViewerSession.object_id == object_id)
    watch = session.scalar(select(func.coalesce(func.sum(ViewerSession.watch_s), 0.0)).where(*where))
    counts = session.execute(
        select(ViewerMark.type, ViewerMark.sku, func.count())
        .join(ViewerSession, ViewerSession.id == ViewerMark.viewer_session_id)
        .where(*where)
        .group_by(ViewerMark.type, ViewerMark.sku)
    ).all()
    by_key = {(row[0], row[1]): int(row[2]) for row in counts}
    counted_skus = [sku for (type_, sku) in by_key if type_.startswith("product_")]
    ordered = list(dict.fromkeys([*skus, *sorted(counted_skus)]))
    return StatsOut(
        views=by_key.get(("view", ""), 0),
        plays=by_key.get(("play", ""), 0),
        watch_s=round(float(watch or 0.0), 1),
        products=[
            ProductStats(
                sku=sku,
                impressions=by_key.get(("product_impression", sku), 0),
                clicks=by_key.get(("product_click", sku), 0),
            )
            for sku in ordered
        ],
    )


def _visible_skus(session: Session, principal: Principal, kind: EmbedKind, object_id: str) -> list[str]:
    """The SKUs of the object's timeline, in time order, once the principal may see its stats."""
    if principal.role is Role.partner:
        if not delivered_to_channels_of(session, principal, kind, object_id):
            raise NotFound(f"no such {kind}")
        products = _products(session, kind, object_id)
        if products is None:
            raise NotFound(f"no such {kind}")
        return products
    if kind == "asset":
        asset = get_visible_asset(session, principal, object_id)
        return [str(p["sku"]) for p in asset.products or []]
    clip = get_visible_clip(session, principal, object_id)
    return [str(p["sku"]) for p in clip.products or []]


def _products(session: Session, kind: EmbedKind, object_id: str) -> list[str] | None:
    skus = object_skus(session, kind, object_id)
    return None if skus is None else sorted(skus)
