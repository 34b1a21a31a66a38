"""What an asset's API shape shows of the work done downstream: renditions, playback, thumbnails and
subtitles.

Ingest owns the asset, but those outputs belong to transcode, which sits above ingest and may not be
imported from here. The app wires transcode's view in at start-up (`set_outputs_view`); until then
an asset shows no outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ingest.assets.schemas import SubtitleOut, ThumbnailsOut
from shopcast.media.rendition import Rendition
from shopcast.runtime import Runtime


@dataclass(frozen=True)
class AssetOutputs:
    renditions: list[Rendition] = field(default_factory=list)
    hls: str | None = None
    embed: str | None = None
    thumbnails: ThumbnailsOut = field(default_factory=ThumbnailsOut)
    subtitles: list[SubtitleOut] = field(default_factory=list)


OutputsView = Callable[[Session, Runtime, str], AssetOutputs]


def _nothing(_session: Session, _runtime: Runtime, _asset_id: str) -> AssetOutputs:
    return AssetOutputs()


_view: list[OutputsView] = [_nothing]


def set_outputs_view(view: OutputsView) -> None:
    """Make `view` the source of every asset's outputs in the API."""
    _view[0] = view


def outputs_of(session: Session, runtime: Runtime, asset_id: str) -> AssetOutputs:
    return _view[0](session, runtime, asset_id)
