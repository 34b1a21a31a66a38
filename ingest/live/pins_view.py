"""The products pinned during a live show, as ingest sees them: moments on the wall clock.

Pins belong to commerce, which sits above ingest and may not be imported from here. The app wires
commerce's view in at start-up (`set_pins_view`); until then a stream has no pins. Ingest turns them
into the preview's `#EXT-X-DATERANGE` tags, the recording's product timeline and the products of
instant clips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ingest.live.recording_index import recording_time


@dataclass(frozen=True)
class PinMark:
    id: str
    product: dict[str, Any]  # sku, name, url, price, currency, image_url
    start_at: float  # epoch seconds
    end_at: float | None  # None while pinned


PinsView = Callable[[Session, str], list[PinMark]]


def _none(_session: Session, _stream_id: str) -> list[PinMark]:
    return []


_view: list[PinsView] = [_none]


def set_pins_view(view: PinsView) -> None:
    """Make `view` the source of every stream's pins, in pinning order."""
    _view[0] = view


def pins_of(session: Session, stream_id: str) -> list[PinMark]:
    return _view[0](session, stream_id)


def pins_on_recording(
    pins: list[PinMark], index: list[dict[str, Any]], until_s: float | None = None
) -> list[dict[str, Any]]:
    """The pins as product entries on the recording's timeline (`start_s`, `end_s` from its
    start); a pin still open ends with the recording (or at `until_s`, when the recording is still
    growing past its last closed segment). Pins that fall outside it are left out."""
    if not index:
        return []
    end_of_recording = max(float(index[-1]["end_s"]), until_s or 0.0)
    entries = []
    for pin in pins:
        start = recording_time(index, pin.start_at)
        end = recording_time(index, pin.end_at) if pin.end_at is not None else end_of_recording
        if end - start >= 0.001:
            entries.append({**pin.product, "id": pin.id, "start_s": round(start, 3), "end_s": round(end, 3)})
    return sorted(entries, key=lambda e: (e["start_s"], e["end_s"]))
