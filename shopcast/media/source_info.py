"""What the probe found in a source: the facts every later job reads, typed.

The same shape is stored in the asset's `source` column, carried from the probe's child process as
JSON, and answered as the asset's `source` in the API, so `to_json` and `from_json` keep it exact.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from shopcast.media.loudness import Loudness


@dataclass(frozen=True)
class SourceInfo:
    """A probed source; width and height as displayed, after rotation. `loudness` is filled in by
    the loudness job once it has measured the first audio track."""

    container: str
    duration_s: float
    width: int
    height: int
    fps: float
    vfr: bool
    video_codec: str
    audio_codec: str | None
    audio_channels: int | None
    audio_sample_rate: int | None
    rotation: int
    interlaced: bool
    size_bytes: int
    loudness: Loudness | None = None

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_codec)

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceInfo:
        """The facts from their stored or transported JSON. A key an older or hand-made row lacks
        reads as its empty value (what the dict lookups `.get(...) or 0` gave), unknown keys are
        ignored; raises TypeError only when `loudness` is malformed."""
        known = {name: data[name] for name in _EMPTY if data.get(name) is not None}
        loudness = data.get("loudness")
        return cls(**{**_EMPTY, **known, "loudness": Loudness(**loudness) if loudness else None})


# Every field's value when a stored row lacks it; the probe itself always writes them all.
_EMPTY: dict[str, Any] = {
    "container": "",
    "duration_s": 0.0,
    "width": 0,
    "height": 0,
    "fps": 0.0,
    "vfr": False,
    "video_codec": "",
    "audio_codec": None,
    "audio_channels": None,
    "audio_sample_rate": None,
    "rotation": 0,
    "interlaced": False,
    "size_bytes": 0,
}
