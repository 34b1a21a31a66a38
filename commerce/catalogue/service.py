"""A creator's product catalogue: create, read, change, remove; and looking a SKU up for a pin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commerce.catalogue.models import CatalogueProduct
from commerce.catalogue.schemas import CatalogueProductIn, CatalogueProductOut, CatalogueProductPatch
from commerce.product_fields import ProductFieldsIn, checked_fields
from shopcast.auth.models import Role
from shopcast.auth.service import Principal
from shopcast.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shopcast.xml_text import single_line

MAX_PRODUCTS = 10_000


def require_seller(principal: Principal) -> None:
    if principal.role is Role.partner:
        raise Forbidden("partners have no product catalogue", code="forbidden")


def list_products(
    session: Session, owner_id: str, limit: int, after_sku: str | None
) -> list[CatalogueProduct]:
    query = select(CatalogueProduct).where(CatalogueProduct.owner_id == owner_id)
    if after_sku:
        query = query.where(CatalogueProduct.sku > after_sku)
    return list(session.scalars(query.order_by(CatalogueProduct.sku).limit(limit + 1)))


def find(session: Session, owner_id: str, sku: str) -> CatalogueProduct | None:
    query = select(CatalogueProduct).where(CatalogueProduct.owner_id == owner_id, CatalogueProduct.sku == sku)
    return session.scalar(query)


def get_product(session: Session, owner_id: str, sku: str) -> CatalogueProduct:
    product = find(session, owner_id, sku)
    if product is None:
        raise NotFound("no such product in your catalogue")
    return product


def create_product(session: Session, owner_id: str, body: CatalogueProductIn) -> CatalogueProduct:
    problems: list[str] = []
    fields = checked_fields("", body, problems)
    aliases = _aliases(body.aliases, problems)
    if problems:
        raise ValidationFailed("; ".join(problems), code="invalid_product")
    count = session.query(CatalogueProduct).filter(CatalogueProduct.owner_id == owner_id).count()
    if count >= MAX_PRODUCTS:
        raise Conflict(f"a catalogue holds at most {MAX_PRODUCTS} products", code="too_many_products")
    product = CatalogueProduct(owner_id=owner_id, aliases=aliases, **fields)
    session.add(product)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"your catalogue has a product {body.sku!r} already", code="duplicate_sku") from None
    return product


def update_product(
    session: Session, owner_id: str, sku: str, body: CatalogueProductPatch
) -> CatalogueProduct:
    product = get_product(session, owner_id, sku)
    given = body.model_dump(exclude_unset=True)
    merged = ProductFieldsIn(
        sku=product.sku,
        name=given.get("name", product.name),
        url=given.get("url", product.url),
        price=given.get("price", product.price),
        currency=given.get("currency", product.currency),
        image_url=given.get("image_url", product.image_url),
    )
    problems: list[str] = []
    fields = checked_fields("", merged, problems)
    aliases = _aliases(given["aliases"], problems) if given.get("aliases") is not None else product.aliases
    if fields["name"] is None:
        problems.append("name: must not be empty")
    if problems:
        raise ValidationFailed("; ".join(problems), code="invalid_product")
    for key, value in fields.items():
        setattr(product, key, value)
    product.aliases = aliases
    return product


def delete_product(session: Session, owner_id: str, sku: str) -> None:
    session.delete(get_product(session, owner_id, sku))


def to_out(product: CatalogueProduct) -> CatalogueProductOut:
    return CatalogueProductOut(
        id=product.id,
        sku=product.sku,
        name=product.name,
        aliases=list(product.aliases or []),
        url=product.url,
        price=product.price,
        currency=product.currency,
        image_url=product.image_url,
    )


def _aliases(aliases: list[str], problems: list[str]) -> list[str]:
    cleaned = []
    for index, alias in enumerate(aliases):
        text = single_line(f"aliases[{index}]", alias[:200], problems)
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


def _catalogue_rows(session: Session, owner_id: str) -> list[CatalogueProduct]:
    query = select(CatalogueProduct).where(CatalogueProduct.owner_id == owner_id)
    return list(session.scalars(query.order_by(CatalogueProduct.created_at)))


def catalogue_vocabulary(session: Session, owner_id: str) -> list[str]:
    """The names and aliases of the owner's catalogue, oldest first: words for Whisper to listen
    for (`transcode.set_vocabulary_view`)."""
    return [word for row in _catalogue_rows(session, owner_id) for word in (row.name, *row.aliases)]


def catalogue_products(session: Session, owner_id: str) -> list[dict[str, Any]]:
    """The owner's catalogue as plain dicts, oldest first: the products a highlight job listens for
    (`transcode.set_catalogue_view`)."""
    return [to_out(row).model_dump() for row in _catalogue_rows(session, owner_id)]


CATALOGUE_FIELDS = ("name", "url", "price", "currency", "image_url")


def filled_from_catalogue(
    session: Session, owner_id: str, fields: dict[str, object], given: set[str]
) -> dict[str, object]:
    """A product's checked `fields` with what the request left out (not in `given`, or null) taken
    from the owner's catalogue entry of its SKU, when there is one."""
    known = find(session, owner_id, str(fields["sku"]))
    if known is None:
        return fields
    missing = {
        key: getattr(known, key) for key in CATALOGUE_FIELDS if key not in given or fields[key] is None
    }
    return {**fields, **missing}
