"""`/v1/products`: the caller's product catalogue, by SKU."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from commerce.catalogue import service
from commerce.catalogue.schemas import CatalogueProductIn, CatalogueProductOut, CatalogueProductPatch
from shopcast.api.pagination import Page
from shopcast.api.routes import error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession

router = APIRouter(prefix="/v1/products", tags=["products"])
_ERRORS = error_responses(401, 403, 404, 409, 422)
Sku = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("", response_model=Page[CatalogueProductOut], responses=_ERRORS)
def list_products(
    session: DbSession,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[CatalogueProductOut]:
    service.require_seller(user)
    rows = service.list_products(session, user.id, limit, cursor)
    more = len(rows) > limit
    items = [service.to_out(row) for row in rows[:limit]]
    return Page[CatalogueProductOut](items=items, next_cursor=items[-1].sku if more else None)


@router.post("", status_code=201, response_model=CatalogueProductOut, responses=_ERRORS)
def create_product(session: DbSession, user: CurrentUser, body: CatalogueProductIn) -> CatalogueProductOut:
    service.require_seller(user)
    return service.to_out(service.create_product(session, user.id, body))


@router.get("/{sku}", response_model=CatalogueProductOut, responses=_ERRORS)
def get_product(session: DbSession, user: CurrentUser, sku: Sku) -> CatalogueProductOut:
    service.require_seller(user)
    return service.to_out(service.get_product(session, user.id, sku))


@router.patch("/{sku}", response_model=CatalogueProductOut, responses=_ERRORS)
def update_product(
    session: DbSession, user: CurrentUser, sku: Sku, body: CatalogueProductPatch
) -> CatalogueProductOut:
    service.require_seller(user)
    return service.to_out(service.update_product(session, user.id, sku, body))


@router.delete("/{sku}", status_code=204, response_class=Response, responses=_ERRORS)
def delete_product(session: DbSession, user: CurrentUser, sku: Sku) -> Response:
    service.require_seller(user)
    service.delete_product(session, user.id, sku)
    return Response(status_code=204)
