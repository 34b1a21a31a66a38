"""Channel profiles as data: one TOML file per default profile, validated against one schema.

A partner with another spec is a new profile, not a new code path: an admin posts a profile object
(a whole profile, or `{"extends": "vcommerce", ...overrides}`) with the channel, and it is checked
against the same schema as the files here.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = ["DEFAULT_PROFILES", "Profile", "ProfileError", "default_profile", "resolve_profile"]

_FOLDER = Path(__file__).resolve().parent
DEFAULT_PROFILES = ("vcommerce", "tcommerce", "overseas")


class ProfileError(ValueError):
    """A profile that does not match the schema; the message names every offending field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Picture(_Strict):
    width: int = Field(ge=16, le=7680, multiple_of=2)
    height: int = Field(ge=16, le=4320, multiple_of=2)
    fps: float = Field(gt=0, le=120)
    interlaced: bool = False
    field_order: Literal["tff", "bff"] | None = None
    fit: Literal["crop", "pad"] = "pad"
    title_safe: float = Field(default=1.0, gt=0.5, le=1.0)

    @model_validator(mode="after")
    def _field_order_for_interlaced(self) -> Picture:
        if self.interlaced and self.field_order is None:
            raise ValueError("an interlaced picture needs a field_order (tff or bff)")
        if not self.interlaced and self.field_order is not None:
            raise ValueError("a progressive picture has no field_order")
        return self


class Video(_Strict):
    codec: Literal["h264", "mpeg2video"]
    profile: str
    bitrate_kbps: int = Field(ge=100, le=300_000)


class Audio(_Strict):
    codec: Literal["aac", "pcm_s24le", "pcm_s16le"]
    sample_rate: Literal[44100, 48000] = 48000
    channels: Literal[1, 2] = 2
    layout: Literal["stereo", "mono_tracks"] = "stereo"
    bitrate_kbps: int | None = Field(default=None, ge=32, le=512)


class LoudnessTarget(_Strict):
    integrated_lufs: float = Field(ge=-40, le=-5)
    tolerance_lu: float = Field(gt=0, le=5)
    true_peak_dbtp: float = Field(ge=-9, le=0)


class Container(_Strict):
    format: Literal["mp4", "mxf"]
    faststart: bool = False


class Sidecar(_Strict):
    language: str = Field(pattern=r"^(spoken|[a-z]{2})$")  # `spoken`: the transcript's language
    formats: list[Literal["srt", "vtt"]] = Field(min_length=1)


class Subtitles(_Strict):
    burn: str | None = Field(default=None, pattern=r"^(spoken|[a-z]{2})$")
    sidecars: list[Sidecar] = Field(default_factory=list)
    # refuse to deliver a draft machine translation (burned in or as a sidecar) until a PD corrects
    # it or a text translator writes it again
    refuse_drafts: bool = False


class Profile(_Strict):
    """What a channel requires of a delivered file; `extension` is the delivered file's."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    extends: str | None = None
    min_duration_s: float = Field(default=3.0, ge=0)
    max_duration_s: float = Field(default=3600.0, gt=0)
    picture: Picture
    video: Video
    audio: Audio
    loudness: LoudnessTarget
    container: Container
    subtitles: Subtitles = Field(default_factory=Subtitles)

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if self.min_duration_s >= self.max_duration_s:
            raise ValueError("min_duration_s must be below max_duration_s")
        if self.container.format == "mxf" and self.video.codec != "mpeg2video":
            raise ValueError("an MXF delivery carries MPEG-2 video (XDCAM HD422)")
        if self.container.format == "mp4" and self.audio.codec != "aac":
            raise ValueError("an MP4 delivery carries AAC audio")
        return self

    @property
    def extension(self) -> str:
        return self.container.format


def _validated(data: dict[str, Any]) -> Profile:
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'profile'}: {err['msg']}" for err in exc.errors()
        )
        raise ProfileError(f"invalid profile: {problems}") from exc


@cache
def _default_data(name: str) -> dict[str, Any]:
    return tomllib.loads((_FOLDER / f"{name}.toml").read_text(encoding="utf-8"))


def default_profile(name: str) -> Profile:
    """A default profile by name; raises ProfileError for a name that is not one."""
    if name not in DEFAULT_PROFILES:
        raise ProfileError(f"no default profile {name!r}; the defaults are {', '.join(DEFAULT_PROFILES)}")
    return _validated(_default_data(name))


def resolve_profile(spec: str | dict[str, Any]) -> Profile:
    """A default profile's name, or a profile object (whole, or `extends` a default with overrides).

    Raises ProfileError naming what does not match the schema."""
    if isinstance(spec, str):
        return default_profile(spec)
    base = spec.get("extends")
    if base is None:
        return _validated(spec)
    if not isinstance(base, str):
        raise ProfileError("invalid profile: extends: must be the name of a default profile")
    default_profile(base)
    return _validated(_merged(_default_data(base), spec))


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged
