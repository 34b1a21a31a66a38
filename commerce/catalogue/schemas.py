"""The catalogue's API shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from commerce.product_fields import ProductFieldsIn
from shopcast.api.nul_refusal import RequestModel


class CatalogueProductIn(ProductFieldsIn):
    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=20)


class CatalogueProductPatch(RequestModel):
    name: str | None = Field(default=None, max_length=200)
    aliases: list[str] | None = Field(default=None, max_length=20)
    url: str | None = Field(default=None, max_length=2000)
    price: float | None = None
    currency: str | None = Field(default=None, max_length=3)
    image_url: str | None = Field(default=None, max_length=2000)


class CatalogueProductOut(BaseModel):
    id: str
    sku: str
    name: str
    aliases: list[str]
    url: str | None
    price: float | None
    currency: str | None
    image_url: str | None
