"""An asset's product timeline: read it, and let a PD correct it.

A recording starts with its stream's pins; an upload starts empty. A new timeline replaces the old
one whole, after every entry is checked: inside the asset, ending after it starts, not overlapping
another unless asked, text that playlists and feeds can carry. A SKU from the owner's catalogue fills
in what the entry leaves out.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from sqlalchemy.orm import Session

from commerce.catalogue.service import filled_from_catalogue, require_seller
from commerce.product_fields import checked_fields
from commerce.timeline.schemas import TimelineEntryIn, TimelineIn
from ingest import get_visible_asset, replace_products, source_of
from shopcast.auth.service import Principal
from shopcast.errors import ValidationFailed
from shopcast.events.service import emit
from shopcast.ids import new_id
from shopcast.product_entry import ProductEntry, sorted_entries
from transcode import queue_highlights

_END_SLACK_S = 0.05


def timeline(session: Session, principal: Principal, asset_id: str) -> list[ProductEntry]:
    asset = get_visible_asset(session, principal, asset_id)
    return [ProductEntry.model_validate(entry) for entry in asset.products or []]


def replace_timeline(
    session: Session, principal: Principal, asset_id: str, body: TimelineIn, max_attempts: int
) -> list[ProductEntry]:
    """Check and store the new timeline; the asset's highlights are proposed again from it."""
    require_seller(principal)
    asset = get_visible_asset(session, principal, asset_id)
    found = source_of(session, asset_id)
    duration = found[1].duration_s if found is not None else None
    problems: list[str] = []
    entries = [
        _entry(session, asset.owner_id, f"products[{index}].", item, duration, problems)
        for index, item in enumerate(body.products)
    ]
    entries = sorted_entries(entries)
    if not body.allow_overlaps:
        _check_overlaps(entries, problems)
    if problems:
        raise ValidationFailed("; ".join(problems), code="invalid_timeline")
    replace_products(asset, entries)
    if found is not None:
        queue_highlights(session, asset.id, max_attempts)
    emit(
        session,
        "asset.products_updated",
        owner_id=asset.owner_id,
        subject_id=asset.id,
        data={"id": asset.id, "products": len(entries)},
    )
    return [ProductEntry.model_validate(entry) for entry in entries]


def _entry(
    session: Session,
    owner_id: str,
    prefix: str,
    item: TimelineEntryIn,
    duration: float | None,
    problems: list[str],
) -> dict[str, Any]:
    fields = filled_from_catalogue(
        session, owner_id, checked_fields(prefix, item, problems), item.model_fields_set
    )
    if not fields["name"]:
        problems.append(f"{prefix}name: {fields['sku']!r} is not in the catalogue, so give a name")
    if item.end_s <= item.start_s:
        problems.append(f"{prefix}end_s: must be after start_s")
    if duration is not None and item.end_s > duration + _END_SLACK_S:
        problems.append(f"{prefix}end_s: {item.end_s} s is past the asset's end ({duration:.3f} s)")
    end = min(item.end_s, duration) if duration is not None else item.end_s
    return {**fields, "id": new_id(), "start_s": round(item.start_s, 3), "end_s": round(end, 3)}


def _check_overlaps(entries: list[dict[str, Any]], problems: list[str]) -> None:
    for before, after in pairwise(entries):
        if float(after["start_s"]) < float(before["end_s"]) - 0.001:
            problems.append(
                f"products: {before['sku']!r} ({before['start_s']}-{before['end_s']} s) overlaps "
                f"{after['sku']!r} ({after['start_s']}-{after['end_s']} s); set allow_overlaps to keep both"
            )
