"""Ingest: tus uploads, assets, probing and input validation, and live ingest (WHIP) with its
recordings and preview.

Other packages use only what `__all__` lists (held by import-linter in `make lint`).
"""

from ingest.api import router
from ingest.assets.models import source_key
from ingest.assets.outputs import AssetOutputs, set_outputs_view
from ingest.assets.schemas import SubtitleOut, ThumbnailsOut
from ingest.assets.service import get_visible as get_visible_asset
from ingest.assets.service import mark_refused, record_loudness, source_of
from ingest.live.clips import ClipSource, LiveView, instant_clip_source
from ingest.live.metrics import install_live_collector
from ingest.live.schemas import InstantClipIn
from ingest.live.whip_sessions import LiveNode, start_live_node

__all__ = [
    "AssetOutputs",
    "ClipSource",
    "InstantClipIn",
    "LiveNode",
    "LiveView",
    "SubtitleOut",
    "ThumbnailsOut",
    "get_visible_asset",
    "install_live_collector",
    "instant_clip_source",
    "mark_refused",
    "record_loudness",
    "router",
    "set_outputs_view",
    "source_key",
    "source_of",
    "start_live_node",
]
