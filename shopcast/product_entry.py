"""A product on a timeline: the shape every domain passes around.

A pin during a live show, an entry of an asset's product timeline and a product on a clip share it:
the product's own fields (from the creator's catalogue or typed in) and when it is on screen,
`start_s` to `end_s` on the timeline it belongs to. Ingest stores an asset's timeline, transcode
re-times it to clips, the publisher hands it to channels and commerce edits it, so the shape lives in
the shell. Stored as JSON, one dict per entry, in time order.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["SHARED_FIELDS", "ProductEntry", "overlapping", "sorted_entries"]


class ProductEntry(BaseModel):
    id: str | None = None
    sku: str
    name: str
    url: str | None = None
    price: float | None = None
    currency: str | None = None
    image_url: str | None = None
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)

    def stored(self) -> dict[str, Any]:
        return self.model_dump()


# What a product entry tells anyone outside: its fields but our own id.
SHARED_FIELDS = tuple(name for name in ProductEntry.model_fields if name != "id")


def sorted_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: (float(e["start_s"]), float(e["end_s"])))


def overlapping(entries: list[dict[str, Any]], start_s: float, end_s: float) -> list[dict[str, Any]]:
    """The entries on screen at some moment of [start_s, end_s), cut to it and moved so that
    `start_s` becomes 0."""
    placed = []
    for entry in entries:
        begin, end = max(start_s, float(entry["start_s"])), min(end_s, float(entry["end_s"]))
        if end > begin:
            placed.append({**entry, "start_s": round(begin - start_s, 3), "end_s": round(end - start_s, 3)})
    return sorted_entries(placed)
