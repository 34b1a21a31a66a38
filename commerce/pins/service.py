"""Pinning products during a live show.

A pin starts now and holds until the next pin, `DELETE .../products/current` or the end of the show.
Ingest reads the pins through `pin_marks` (wired in by the app) for the preview's DATERANGE tags,
the recording's product timeline and instant clips.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commerce.catalogue.service import filled_from_catalogue, require_seller
from commerce.pins.models import ProductPin
from commerce.pins.schemas import PinIn, PinOut
from commerce.product_fields import checked_fields
from ingest import LiveStreamFacts, PinMark, live_stream_facts
from shopcast.auth.service import Principal
from shopcast.errors import Conflict, ValidationFailed

MAX_PINS_PER_STREAM = 2000


def pin_product(session: Session, principal: Principal, stream_id: str, body: PinIn) -> PinOut:
    """Pin a product now on a live stream; the stream's current pin ends at the same instant."""
    require_seller(principal)
    stream = live_stream_facts(session, principal, stream_id)
    _require_live(stream)
    fields = _product_fields(session, stream.owner_id, body)
    count = session.query(ProductPin).filter(ProductPin.stream_id == stream_id).count()
    if count >= MAX_PINS_PER_STREAM:
        raise Conflict(f"a show holds at most {MAX_PINS_PER_STREAM} pins", code="too_many_pins")
    now = time.time()
    _end_current(session, stream_id, now)
    pin = ProductPin(stream_id=stream_id, pinned_by=principal.id, start_at=now, **fields)
    session.add(pin)
    session.flush()
    return to_out(pin, stream)


def end_current(session: Session, principal: Principal, stream_id: str) -> None:
    require_seller(principal)
    stream = live_stream_facts(session, principal, stream_id)
    _require_live(stream)
    _end_current(session, stream_id, time.time())


def list_pins(session: Session, principal: Principal, stream_id: str) -> list[PinOut]:
    stream = live_stream_facts(session, principal, stream_id)
    return [to_out(pin, stream) for pin in _pins(session, stream_id)]


def pin_marks(session: Session, stream_id: str) -> list[PinMark]:
    """The stream's pins as ingest sees them (`ingest.set_pins_view`)."""
    return [
        PinMark(id=pin.id, product=_product(pin), start_at=pin.start_at, end_at=pin.end_at)
        for pin in _pins(session, stream_id)
    ]


def to_out(pin: ProductPin, stream: LiveStreamFacts) -> PinOut:
    zero = stream.started_at.timestamp() if stream.started_at else pin.start_at
    return PinOut(
        id=pin.id,
        **_product(pin),
        start_s=round(max(0.0, pin.start_at - zero), 3),
        end_s=round(max(0.0, pin.end_at - zero), 3) if pin.end_at is not None else None,
        pinned_at=datetime.fromtimestamp(pin.start_at, UTC).isoformat(timespec="milliseconds"),
    )


def _pins(session: Session, stream_id: str) -> list[ProductPin]:
    query = select(ProductPin).where(ProductPin.stream_id == stream_id)
    return list(session.scalars(query.order_by(ProductPin.start_at, ProductPin.id)))


def _product(pin: ProductPin) -> dict[str, object]:
    return {
        "sku": pin.sku,
        "name": pin.name,
        "url": pin.url,
        "price": pin.price,
        "currency": pin.currency,
        "image_url": pin.image_url,
    }


def _require_live(stream: LiveStreamFacts) -> None:
    if stream.state != "live":
        raise Conflict("products are pinned while the stream is live", code="not_live")


def _end_current(session: Session, stream_id: str, now: float) -> None:
    session.execute(
        update(ProductPin)
        .where(ProductPin.stream_id == stream_id, ProductPin.end_at.is_(None))
        .values(end_at=now)
    )


def _product_fields(session: Session, owner_id: str, body: PinIn) -> dict[str, object]:
    """The pin's product: the request's fields over the catalogue entry of its SKU, checked."""
    problems: list[str] = []
    fields = checked_fields("", body, problems)
    if problems:
        raise ValidationFailed("; ".join(problems), code="invalid_product")
    fields = filled_from_catalogue(session, owner_id, fields, body.model_fields_set)
    if not fields["name"]:
        raise ValidationFailed(
            f"sku: {fields['sku']!r} is not in the catalogue, so the pin needs a name", code="unknown_sku"
        )
    return fields
