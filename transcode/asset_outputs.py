"""Transcode's part of an asset's API shape: its ladder, playback URL, thumbnails and subtitles.

Ingest shows these on the asset without importing transcode; `shopcast.app` hands it this view.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ingest import AssetOutputs, SubtitleOut, ThumbnailsOut
from shopcast.embed_links import embed_url
from shopcast.runtime import Runtime
from transcode.hls.service import playback_view
from transcode.subtitles.service import subtitles_view
from transcode.thumbnails.service import thumbnails_view


def asset_outputs_view(session: Session, runtime: Runtime, asset_id: str) -> AssetOutputs:
    renditions, hls = playback_view(session, runtime, asset_id)
    poster, storyboard = thumbnails_view(session, runtime, asset_id)
    return AssetOutputs(
        renditions=renditions,
        hls=hls,
        embed=embed_url(runtime.settings, "asset", asset_id) if hls else None,
        thumbnails=ThumbnailsOut(poster_url=poster, storyboard_vtt_url=storyboard),
        subtitles=[SubtitleOut.model_validate(s) for s in subtitles_view(session, runtime, asset_id)],
    )
