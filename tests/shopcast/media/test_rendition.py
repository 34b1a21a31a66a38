"""A rendition keeps its stored JSON shape, reads older rows, and is the API's shape field for field."""

from __future__ import annotations

from dataclasses import fields

from ingest.assets.schemas import RenditionOut
from shopcast.media.rendition import Rendition
from transcode.clips.schemas import ClipRenditionOut

STORED = {
    "name": "720p",
    "width": 1280,
    "height": 720,
    "bitrate": 2_400_000,
    "peak_bitrate": 3_100_000,
    "codec": "avc1.64001f",
    "passthrough": False,
    "state": "ready",
}


def test_stored_json_round_trips_exactly() -> None:
    assert Rendition.from_json(STORED).to_json() == STORED


def test_a_row_without_the_optional_fields_or_with_unknown_ones_still_reads() -> None:
    old = {k: v for k, v in STORED.items() if k not in ("name", "peak_bitrate")} | {"extra": 1}
    rendition = Rendition.from_json(old)
    assert (rendition.name, rendition.peak_bitrate, rendition.width) == (None, None, 1280)
    assert Rendition.all_from_json(None) == []


def test_the_api_shapes_declare_no_field_of_their_own() -> None:
    names = [field.name for field in fields(Rendition)]
    for shape in (RenditionOut, ClipRenditionOut):
        assert [field.name for field in fields(shape)] == names
    out = RenditionOut.from_rendition(Rendition.from_json(STORED))
    assert Rendition.to_json(out) == STORED
