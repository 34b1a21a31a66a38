"""Checking a clip request against its asset before anything is queued.

Every problem is reported at once, each naming its field (`ranges[1].out_s: ...`), in one
ValidationFailed (422): a PD fixes the whole edit in one go and nothing renders meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from shopcast.errors import ValidationFailed
from shopcast.media.source_info import SourceInfo
from shopcast.xml_text import single_line
from transcode.clips.edit import (
    ClipEdit,
    FocusKeyframe,
    Overlay,
    ProductTag,
    TimeRange,
    clip_time,
    clip_windows,
)
from transcode.clips.framing import default_aspect, output_size
from transcode.clips.schemas import ClipIn, FocusKeyframeIn, FocusPointIn, OverlayIn, ProductIn, RangeIn
from transcode.clips.text import TextLayout, em_width, overlay_text

__all__ = ["SourceFacts", "check_clip_bounds", "validate_clip"]

_END_SLACK_S = 0.001  # a range may end on the source's last instant as the probe rounded it


@dataclass(frozen=True)
class SourceFacts:
    duration_s: float
    width: int
    height: int
    fps: float
    has_video: bool
    has_audio: bool
    interlaced: bool = False

    @classmethod
    def of(cls, source: SourceInfo) -> SourceFacts:
        """From an asset's probed `source`."""
        return cls(
            duration_s=source.duration_s or 0.0,
            width=source.width or 0,
            height=source.height or 0,
            fps=source.fps or 30.0,
            has_video=source.has_video,
            has_audio=source.has_audio,
            interlaced=source.interlaced,
        )


def check_clip_bounds(ranges: Sequence[RangeIn], max_ranges: int, max_total_s: float) -> None:
    """Refuse an edit whose render work is out of bounds (`clip_max_ranges`, `clip_max_total_s`)
    before anything else is looked at: without it, 50 ranges of a whole 8-hour source would render
    until the job's hard time limit. Overlapping ranges count each time they play."""
    if len(ranges) > max_ranges:
        raise ValidationFailed(
            f"ranges: {len(ranges)} ranges, at most {max_ranges} are allowed", code="too_many_ranges"
        )
    total_s = sum(max(0.0, piece.out_s - piece.in_s) for piece in ranges)
    if total_s > max_total_s:
        raise ValidationFailed(
            f"ranges: {total_s:.3f} s in all, at most {max_total_s:g} s are allowed", code="clip_too_long"
        )


def validate_clip(body: ClipIn, source: SourceFacts, languages: Sequence[str]) -> ClipEdit:
    """The edit the request describes, checked against the asset's source and its subtitle
    languages. Raises ValidationFailed listing every problem."""
    problems: list[str] = []
    if not source.has_video or source.width <= 0 or source.height <= 0:
        raise ValidationFailed("asset_id: the asset has no video to clip", code="invalid_edit")
    ranges = _ranges(body.ranges, source, problems)
    aspect = body.aspect or default_aspect(source.width, source.height)
    width, height = output_size(aspect, source.width, source.height)
    layout = TextLayout(width, height)
    edit = ClipEdit(
        ranges=ranges,
        aspect=aspect,
        width=width,
        height=height,
        focus=_focus(body.focus, source, problems),
        burn_subtitles=_subtitles(body.burn_subtitles, languages, problems),
        title=_title(body.title, layout, problems),
        overlays=_overlays(body.overlays, ranges, source, layout, problems),
        products=_products(body.products, ranges, problems),
    )
    if problems:
        raise ValidationFailed("; ".join(problems), code="invalid_edit")
    return edit


def _ranges(ranges: Sequence[RangeIn], source: SourceFacts, problems: list[str]) -> tuple[TimeRange, ...]:
    if not ranges:
        problems.append("ranges: at least one range {in_s, out_s} is required")
    valid = []
    for index, piece in enumerate(ranges):
        field = f"ranges[{index}]"
        found = len(problems)
        if piece.in_s < 0:
            problems.append(f"{field}.in_s: must be 0 or more")
        if piece.in_s >= source.duration_s:
            problems.append(f"{field}.in_s: {piece.in_s} is past the asset's end ({source.duration_s:.3f} s)")
        if piece.out_s <= piece.in_s:
            problems.append(f"{field}.out_s: must be after in_s ({piece.in_s})")
        elif piece.out_s > source.duration_s + _END_SLACK_S:
            problems.append(
                f"{field}.out_s: {piece.out_s} is past the asset's end ({source.duration_s:.3f} s)"
            )
        elif piece.out_s - piece.in_s < 1 / source.fps:
            problems.append(f"{field}: shorter than one frame")
        if len(problems) == found:
            valid.append(TimeRange(piece.in_s, min(piece.out_s, source.duration_s)))
    return tuple(valid)


def _focus(
    focus: FocusPointIn | list[FocusKeyframeIn] | None, source: SourceFacts, problems: list[str]
) -> tuple[FocusKeyframe, ...]:
    if focus is None:
        return (FocusKeyframe(0.5, 0.5),)
    if isinstance(focus, FocusPointIn):
        _check_share("focus", focus.x, focus.y, problems)
        return (FocusKeyframe(focus.x, focus.y),)
    if not focus:
        problems.append("focus: a keyframed focus needs at least one keyframe")
    previous = -1.0
    for index, key in enumerate(focus):
        _check_share(f"focus[{index}]", key.x, key.y, problems)
        if not 0 <= key.at_s <= source.duration_s:
            problems.append(
                f"focus[{index}].at_s: must lie within the asset (0 to {source.duration_s:.3f} s)"
            )
        elif key.at_s <= previous:
            problems.append(f"focus[{index}].at_s: must come after the keyframe before it")
        previous = max(previous, key.at_s)
    return tuple(FocusKeyframe(key.x, key.y, key.at_s) for key in focus) or (FocusKeyframe(0.5, 0.5),)


def _check_share(field: str, x: float, y: float, problems: list[str]) -> None:
    for axis, value in (("x", x), ("y", y)):
        if not 0 <= value <= 1:
            problems.append(f"{field}.{axis}: must be between 0 and 1")


def _subtitles(language: str | None, languages: Sequence[str], problems: list[str]) -> str | None:
    if language is None or language in languages:
        return language
    have = f"it has: {', '.join(sorted(languages))}" if languages else "it has none"
    problems.append(f"burn_subtitles: the asset has no {language!r} subtitles ({have})")
    return None


def _title(title: str | None, layout: TextLayout, problems: list[str]) -> str | None:
    text = single_line("title", title, problems) if title is not None else None
    if text:
        _check_fits("title", text, layout.title_size, layout, problems)
    return text or None


def _overlays(
    overlays: Sequence[OverlayIn], ranges: Sequence[TimeRange], source: SourceFacts, layout: TextLayout,
    problems: list[str],
) -> tuple[Overlay, ...]:  # fmt: skip
    valid = []
    for index, item in enumerate(overlays):
        field, found = f"overlays[{index}]", len(problems)
        text, name, price = _overlay_words(field, item, problems)
        line = overlay_text(text, name, price)
        if line:
            _check_fits(f"{field}.{'text' if text else 'name'}", line, layout.overlay_size, layout, problems)
        start = 0.0 if item.from_s is None else item.from_s
        end = source.duration_s if item.to_s is None else item.to_s
        if start < 0:
            problems.append(f"{field}.from_s: must be 0 or more")
        elif end <= start:
            problems.append(f"{field}.to_s: must be after from_s ({start})")
        elif ranges and not clip_windows(ranges, start, end):
            problems.append(f"{field}: {start}..{end} s lies outside every range, so it would never show")
        if len(problems) == found:
            valid.append(Overlay(line, item.position, start, end, name=name, price=price))
    return tuple(valid)


def _overlay_words(
    field: str, item: OverlayIn, problems: list[str]
) -> tuple[str | None, str | None, str | None]:
    text = single_line(f"{field}.text", item.text, problems) if item.text is not None else None
    name = single_line(f"{field}.name", item.name, problems) if item.name is not None else None
    price = _price(f"{field}.price", item.price, problems)
    if text and (name or price):
        problems.append(f"{field}: give text, or a product's name and price, not both")
    elif not text and not name:
        problems.append(f"{field}: give text, or a product's name (and price)")
    return text, name, price


def _price(field: str, price: str | float | None, problems: list[str]) -> str | None:
    if price is None:
        return None
    if isinstance(price, str):
        return single_line(field, price, problems) or None
    return f"{int(price):,}" if float(price).is_integer() else f"{price:,.2f}"


def _products(
    products: Sequence[ProductIn], ranges: Sequence[TimeRange], problems: list[str]
) -> tuple[ProductTag, ...]:
    valid = []
    for index, item in enumerate(products):
        field, found = f"products[{index}]", len(problems)
        sku = single_line(f"{field}.sku", item.sku, problems)
        name = single_line(f"{field}.name", item.name, problems)
        url = urlsplit(item.url.strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            problems.append(f"{field}.url: must be an http or https URL")
        if ranges and clip_time(ranges, item.at_s) is None:
            problems.append(f"{field}.at_s: {item.at_s} s is outside every range, so the clip never shows it")
        if len(problems) == found:
            valid.append(ProductTag(sku, name, item.url.strip(), item.at_s))
    return tuple(valid)


def _check_fits(field: str, text: str, size: int, layout: TextLayout, problems: list[str]) -> None:
    if layout.fits(text, size):
        return
    available = layout.available_px(size)
    problems.append(
        f"{field}: too long for the {layout.width}x{layout.height} frame: about "
        f"{layout.text_px(text, size)} px wide at {size} px type, {available} px fit "
        f"(about {int(available / size)} Korean or {int(available / size / em_width('a'))} Latin characters)"
    )
