"""Transcode: rendition ladders, loudness, thumbnails, subtitles, clip renders and highlight proposals.

Other packages use only what `__all__` lists (held by import-linter in `make lint`).
"""

from fastapi import APIRouter

from transcode.asset_outputs import asset_outputs_view
from transcode.clips.api import router as _clips_router
from transcode.clips.edit import ClipEdit
from transcode.clips.instant_api import router as _instant_clips_router
from transcode.clips.playback_api import router as _clip_playback_router
from transcode.clips.service import clip_by_id, published_prefix
from transcode.clips.service import get_visible as get_visible_clip
from transcode.clips.service import to_out as clip_out
from transcode.highlights.api import router as _highlights_router
from transcode.highlights.service import queue_highlights, set_catalogue_view, set_short_listener
from transcode.hls.api import router as _playback_router
from transcode.subtitles.api import router as _subtitles_router
from transcode.subtitles.command import burn_in_filter
from transcode.subtitles.live_captioner import live_captioner_factory
from transcode.subtitles.service import adopt_live_captions, track_key, tracks_of
from transcode.subtitles.vocabulary import set_vocabulary_view
from transcode.subtitles.whisper_model import ModelStatus, model_status
from transcode.thumbnails.api import router as _thumbnails_router

router = APIRouter()
for _router in (
    _playback_router,
    _thumbnails_router,
    _subtitles_router,
    _clips_router,
    _clip_playback_router,
    _instant_clips_router,
    _highlights_router,
):
    router.include_router(_router)

__all__ = [
    "ClipEdit",
    "ModelStatus",
    "adopt_live_captions",
    "asset_outputs_view",
    "burn_in_filter",
    "clip_by_id",
    "clip_out",
    "get_visible_clip",
    "live_captioner_factory",
    "model_status",
    "published_prefix",
    "queue_highlights",
    "router",
    "set_catalogue_view",
    "set_short_listener",
    "set_vocabulary_view",
    "track_key",
    "tracks_of",
]
