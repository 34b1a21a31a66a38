"""A validated clip edit: source ranges played one after another, framing, text and product tags.

Every time in an edit (range ends, focus keyframes, overlay windows, product tags) is on the
source's timeline; the functions here map them onto the clip's timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ClipEdit",
    "FocusKeyframe",
    "Overlay",
    "ProductTag",
    "TimeRange",
    "clip_time",
    "clip_windows",
    "inherited_products",
    "retimed_products",
]

_SEAM_S = 1e-6


@dataclass(frozen=True)
class TimeRange:
    in_s: float
    out_s: float

    @property
    def duration_s(self) -> float:
        return self.out_s - self.in_s


@dataclass(frozen=True)
class FocusKeyframe:
    """Where the crop is centred (normalised 0..1), from `at_s` on; None for a fixed point."""

    x: float
    y: float
    at_s: float | None = None


@dataclass(frozen=True)
class Overlay:
    """One line of text drawn at `position` while the source plays between `from_s` and `to_s`."""

    text: str
    position: str
    from_s: float
    to_s: float
    name: str | None = None
    price: str | None = None


@dataclass(frozen=True)
class ProductTag:
    sku: str
    name: str
    url: str
    at_s: float


@dataclass(frozen=True)
class ClipEdit:
    ranges: tuple[TimeRange, ...]
    aspect: str
    width: int
    height: int
    focus: tuple[FocusKeyframe, ...]
    burn_subtitles: str | None = None
    title: str | None = None
    overlays: tuple[Overlay, ...] = ()
    products: tuple[ProductTag, ...] = ()

    @property
    def duration_s(self) -> float:
        return sum(r.duration_s for r in self.ranges)

    def to_json(self) -> dict[str, Any]:
        return {
            "ranges": [{"in_s": r.in_s, "out_s": r.out_s} for r in self.ranges],
            "aspect": self.aspect,
            "width": self.width,
            "height": self.height,
            "focus": [{"x": f.x, "y": f.y, "at_s": f.at_s} for f in self.focus],
            "burn_subtitles": self.burn_subtitles,
            "title": self.title,
            "overlays": [vars(o) for o in self.overlays],
            "products": [vars(p) for p in self.products],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClipEdit:
        return cls(
            ranges=tuple(TimeRange(**r) for r in data["ranges"]),
            aspect=data["aspect"],
            width=int(data["width"]),
            height=int(data["height"]),
            focus=tuple(FocusKeyframe(**f) for f in data["focus"]),
            burn_subtitles=data.get("burn_subtitles"),
            title=data.get("title"),
            overlays=tuple(Overlay(**o) for o in data.get("overlays", [])),
            products=tuple(ProductTag(**p) for p in data.get("products", [])),
        )


def clip_time(ranges: Sequence[TimeRange], source_s: float) -> float | None:
    """Where a source instant plays in the clip: in the first range holding it (ends included);
    None when no range holds it."""
    offset = 0.0
    for r in ranges:
        if r.in_s <= source_s <= r.out_s:
            return offset + source_s - r.in_s
        offset += r.duration_s
    return None


def clip_windows(ranges: Sequence[TimeRange], from_s: float, to_s: float) -> list[tuple[float, float]]:
    """The stretches of the clip that show the source between `from_s` and `to_s`, in clip order;
    stretches that meet at a seam are joined."""
    windows: list[tuple[float, float]] = []
    offset = 0.0
    for r in ranges:
        start, end = max(from_s, r.in_s), min(to_s, r.out_s)
        if end > start:
            piece = (offset + start - r.in_s, offset + end - r.in_s)
            if windows and abs(windows[-1][1] - piece[0]) < _SEAM_S:
                windows[-1] = (windows[-1][0], piece[1])
            else:
                windows.append(piece)
        offset += r.duration_s
    return windows


def retimed_products(ranges: Sequence[TimeRange], products: Sequence[ProductTag]) -> list[dict[str, Any]]:
    """A request's product tags as entries of the clip's product timeline: each on screen from its
    moment (`at_s` = `start_s` on the clip's timeline, `source_at_s` on the source's) until the next
    tag or the clip's end. Tags outside every range are left out."""
    placed: list[dict[str, Any]] = []
    for product in products:
        at = clip_time(ranges, product.at_s)
        if at is not None:
            placed.append(
                {
                    "sku": product.sku,
                    "name": product.name,
                    "url": product.url,
                    "at_s": round(at, 3),
                    "source_at_s": product.at_s,
                }
            )
    placed.sort(key=lambda p: float(p["at_s"]))
    clip_end = sum(r.duration_s for r in ranges)
    for entry, after in zip(placed, [*placed[1:], None], strict=True):
        entry["start_s"] = entry["at_s"]
        entry["end_s"] = round(float(after["at_s"]) if after else clip_end, 3)
    return placed


def inherited_products(
    ranges: Sequence[TimeRange], timeline: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The entries of the asset's product timeline that the clip shows, re-timed to the clip: an
    entry that a cut splits becomes one entry per stretch shown."""
    placed = []
    for entry in timeline:
        source_start, source_end = float(entry["start_s"]), float(entry["end_s"])
        for start, end in clip_windows(ranges, source_start, source_end):
            placed.append(
                {
                    **entry,
                    "start_s": round(start, 3),
                    "end_s": round(end, 3),
                    "at_s": round(start, 3),
                    "source_at_s": _source_time(ranges, start),
                }
            )
    return sorted(placed, key=lambda p: (float(p["start_s"]), float(p["end_s"])))


def _source_time(ranges: Sequence[TimeRange], clip_s: float) -> float:
    offset = 0.0
    for r in ranges:
        if clip_s < offset + r.duration_s - 1e-6:
            return round(r.in_s + clip_s - offset, 3)
        offset += r.duration_s
    return round(ranges[-1].out_s, 3) if ranges else 0.0
