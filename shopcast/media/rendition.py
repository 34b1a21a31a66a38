"""One rung of a published HLS ladder, as an asset's or a clip's API shape, its stored row and the
`renditions.ready` event show it. Transcode makes them; ingest shows them on the asset."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Rendition:
    """`bitrate` is the measured average in bit/s and `peak_bitrate` the highest segment's;
    `passthrough` is a rung copied from the source rather than encoded."""

    name: str | None = None
    width: int
    height: int
    bitrate: int
    peak_bitrate: int | None = None
    codec: str
    passthrough: bool
    state: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rendition:
        """A rendition from its stored JSON; keys it does not know are ignored."""
        names = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})

    @classmethod
    def all_from_json(cls, rows: list[dict[str, Any]] | None) -> list[Rendition]:
        return [cls.from_json(row) for row in rows or []]
