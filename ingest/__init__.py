"""Ingest: tus uploads, assets, probing and input validation, and live ingest (WHIP, RTMP, SRT) with
its recordings and preview.

Other packages use only what `__all__` lists (held by import-linter in `make lint`).

The names load on first use (PEP 562), so that importing one light module of this package, as the
probe's child process does for every upload (`python -m ingest.probe.inspect`), does not import the
routers, FastAPI and aiortc with it: that took 1.5 s of each probe.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.api import router
    from ingest.assets.models import source_key
    from ingest.assets.outputs import AssetOutputs, set_outputs_view
    from ingest.assets.schemas import SubtitleOut, ThumbnailsOut
    from ingest.assets.service import get_visible as get_visible_asset
    from ingest.assets.service import mark_refused, products_of, record_loudness, replace_products, source_of
    from ingest.live.captions import CAPTIONS_DIR, Captioner, set_captioner_factory
    from ingest.live.clips import ClipSource, LiveView, instant_clip_source
    from ingest.live.libsrt import available as srt_available
    from ingest.live.metrics import install_live_collector
    from ingest.live.node import LiveNode
    from ingest.live.pins_view import PinMark, set_pins_view
    from ingest.live.recording_index import read_index as read_recording_index
    from ingest.live.rtmp_engine import RtmpEngine, prepare_engine
    from ingest.live.rtmp_engine import missing_parts as rtmp_missing_parts
    from ingest.live.schemas import InstantClipIn
    from ingest.live.service import LiveStreamFacts, live_stream_facts
    from ingest.live.srt_probe import srt_answers
    from ingest.live.startup import LiveIngest, start_live_ingest
    from ingest.restream.metrics import install_restream_collector

# public name: (module, name there)
_SOURCES: dict[str, tuple[str, str]] = {
    "router": ("ingest.api", "router"),
    "source_key": ("ingest.assets.models", "source_key"),
    "AssetOutputs": ("ingest.assets.outputs", "AssetOutputs"),
    "set_outputs_view": ("ingest.assets.outputs", "set_outputs_view"),
    "SubtitleOut": ("ingest.assets.schemas", "SubtitleOut"),
    "ThumbnailsOut": ("ingest.assets.schemas", "ThumbnailsOut"),
    "get_visible_asset": ("ingest.assets.service", "get_visible"),
    "mark_refused": ("ingest.assets.service", "mark_refused"),
    "record_loudness": ("ingest.assets.service", "record_loudness"),
    "source_of": ("ingest.assets.service", "source_of"),
    "products_of": ("ingest.assets.service", "products_of"),
    "replace_products": ("ingest.assets.service", "replace_products"),
    "PinMark": ("ingest.live.pins_view", "PinMark"),
    "CAPTIONS_DIR": ("ingest.live.captions", "CAPTIONS_DIR"),
    "Captioner": ("ingest.live.captions", "Captioner"),
    "set_captioner_factory": ("ingest.live.captions", "set_captioner_factory"),
    "read_recording_index": ("ingest.live.recording_index", "read_index"),
    "set_pins_view": ("ingest.live.pins_view", "set_pins_view"),
    "LiveStreamFacts": ("ingest.live.service", "LiveStreamFacts"),
    "live_stream_facts": ("ingest.live.service", "live_stream_facts"),
    "ClipSource": ("ingest.live.clips", "ClipSource"),
    "LiveView": ("ingest.live.clips", "LiveView"),
    "instant_clip_source": ("ingest.live.clips", "instant_clip_source"),
    "install_live_collector": ("ingest.live.metrics", "install_live_collector"),
    "InstantClipIn": ("ingest.live.schemas", "InstantClipIn"),
    "srt_available": ("ingest.live.libsrt", "available"),
    "LiveNode": ("ingest.live.node", "LiveNode"),
    "RtmpEngine": ("ingest.live.rtmp_engine", "RtmpEngine"),
    "rtmp_missing_parts": ("ingest.live.rtmp_engine", "missing_parts"),
    "prepare_engine": ("ingest.live.rtmp_engine", "prepare_engine"),
    "srt_answers": ("ingest.live.srt_probe", "srt_answers"),
    "LiveIngest": ("ingest.live.startup", "LiveIngest"),
    "start_live_ingest": ("ingest.live.startup", "start_live_ingest"),
    "install_restream_collector": ("ingest.restream.metrics", "install_restream_collector"),
}

__all__ = [
    "CAPTIONS_DIR",
    "AssetOutputs",
    "Captioner",
    "ClipSource",
    "InstantClipIn",
    "LiveIngest",
    "LiveNode",
    "LiveStreamFacts",
    "LiveView",
    "PinMark",
    "RtmpEngine",
    "SubtitleOut",
    "ThumbnailsOut",
    "get_visible_asset",
    "install_live_collector",
    "install_restream_collector",
    "instant_clip_source",
    "live_stream_facts",
    "mark_refused",
    "prepare_engine",
    "products_of",
    "read_recording_index",
    "record_loudness",
    "replace_products",
    "router",
    "rtmp_missing_parts",
    "set_captioner_factory",
    "set_outputs_view",
    "set_pins_view",
    "source_key",
    "source_of",
    "srt_answers",
    "srt_available",
    "start_live_ingest",
]


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    module, attribute = _SOURCES[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value
