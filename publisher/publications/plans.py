"""Plain data handed between the publisher's service (database) and its workers (media, network)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from publisher.channels.profiles import Profile


@dataclass(frozen=True)
class SubtitleSource:
    """A language's cues of the asset, and the ranges of the source that the clip keeps."""

    language: str
    vtt_key: str
    draft: bool = False  # a machine translation that failed the degeneracy checks


@dataclass(frozen=True)
class ConformPlan:
    """What a conform render needs, read from the database before the long work starts."""

    publication_id: str
    asset_id: str
    source_key: str  # the clip's MP4 master, or the asset's source
    duration_s: float
    has_audio: bool
    interlaced: bool
    profile: Profile
    fit: str
    focus_x: float  # where a crop is centred, 0 (left) to 1 (right)
    media_name: str  # the delivered file's name, with its container's extension
    spoken_language: str | None
    subtitles: list[SubtitleSource]
    ranges: list[tuple[float, float]] | None  # a clip's source ranges; None for a whole asset
    subtitles_burned: bool = False  # the clip already carries burned subtitles
    products: list[dict[str, Any]] = field(default_factory=list)  # the product timeline, on the media's


@dataclass(frozen=True)
class Violation:
    """One way the rendered file (or the source) does not meet the profile."""

    code: str
    message: str
    expected: Any = None
    actual: Any = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OutputFile:
    """A file of a publication: the media, a subtitle file (with its language) or the poster. Only
    `delivered` files are pushed to the channel; the rest are for partners who pull."""

    name: str
    size: int
    sha256: str
    content_type: str
    language: str | None = None
    delivered: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutputFile:
        return cls(**data)


@dataclass(frozen=True)
class Rendered:
    """A render's outcome: files under `prefix` that passed the check, or the violations."""

    prefix: str | None
    files: list[OutputFile] = field(default_factory=list)
    duration_s: float | None = None
    violations: list[Violation] = field(default_factory=list)


@dataclass(frozen=True)
class DeliveryPlan:
    publication_id: str
    target_type: str
    target: dict[str, Any]
    credentials: dict[str, Any]
    prefix: str  # where the files are in the object store
    files: list[OutputFile]
    base_name: str  # the delivered files' name stem: the same for every re-publication


@dataclass(frozen=True)
class Receipt:
    url: str
    key: str
    size: int
    sha256: str
    etag: str | None
    sidecars: list[dict[str, Any]] = field(default_factory=list)
