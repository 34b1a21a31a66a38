"""The `base` weights from the registry packages: joined once, checked by sha256, safe when two workers
start together; SHOPCAST_WHISPER_MODEL as a directory or a hub name."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from pathlib import Path

import pytest

import transcode.subtitles.whisper_model as whisper_model
from shopcast.settings import Settings
from transcode.subtitles.whisper_model import (
    BASE_MODEL_SHA256,
    ModelChecksumMismatch,
    ModelNotInstalled,
    ensure_base_model,
    model_status,
    resolve_model,
)

MODEL_FILES = {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_parts_are_joined_once_into_a_model_with_the_pinned_sha256(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, whisper_model="base")
    assert model_status(settings).cache_state == "absent"
    first = Path(resolve_model(settings))
    assert {p.name for p in first.iterdir()} == MODEL_FILES
    assert _sha256(first / "model.bin") == BASE_MODEL_SHA256
    joined_at = (first / "model.bin").stat().st_mtime_ns

    assert Path(resolve_model(settings)) == first
    assert (first / "model.bin").stat().st_mtime_ns == joined_at, "the second use did not join again"
    assert model_status(settings).cache_state == "verified"
    assert [p.name for p in first.parent.iterdir()] == [first.name], "no temporary folder left behind"


def test_two_workers_joining_at_once_end_with_one_verified_model(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        folders = pool.map(ensure_base_model, [tmp_path, tmp_path])
    assert folders[0] == folders[1]
    assert _sha256(folders[0] / "model.bin") == BASE_MODEL_SHA256
    assert [p.name for p in tmp_path.iterdir()] == [folders[0].name]


def test_a_damaged_cache_is_rebuilt_from_the_packages(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, whisper_model="base")
    folder = Path(resolve_model(settings))
    with (folder / "model.bin").open("r+b") as model:
        model.truncate(1000)
    status = model_status(settings)
    assert status.cache_state == "damaged"
    assert status.ready, "the packages are there to rebuild from"
    assert Path(resolve_model(settings)) == folder
    assert _sha256(folder / "model.bin") == BASE_MODEL_SHA256


def test_staging_left_by_a_killed_join_is_removed_later(tmp_path: Path) -> None:
    abandoned = tmp_path / ".whisper-base-killed.tmp"
    abandoned.mkdir()
    (abandoned / "model.bin").write_bytes(b"half")
    recent = tmp_path / ".whisper-base-running.tmp"
    recent.mkdir()
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    ensure_base_model(tmp_path)
    assert not abandoned.exists()
    assert recent.exists(), "a join in progress elsewhere is left alone"


def test_parts_that_do_not_join_to_the_pinned_sha256_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whisper_model, "BASE_MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelChecksumMismatch, match=r"joined model\.bin has sha256 905e5bf8"):
        ensure_base_model(tmp_path)
    assert list(tmp_path.iterdir()) == [], "nothing half-built is left to be mistaken for a model"


def test_a_model_directory_is_used_as_it_is(tmp_path: Path) -> None:
    folder = ensure_base_model(tmp_path / "cache")
    settings = Settings(data_dir=tmp_path / "data", whisper_model=str(folder))
    assert resolve_model(settings) == str(folder)
    assert model_status(settings).kind == "directory"
    assert not (tmp_path / "data").exists(), "no cache is built for a directory"


@pytest.mark.parametrize("setting", ["/no/such/model", "./missing-model", "~/missing-model"])
def test_a_missing_model_directory_is_a_clear_error(tmp_path: Path, setting: str) -> None:
    settings = Settings(data_dir=tmp_path, whisper_model=setting)
    with pytest.raises(ModelNotInstalled, match="is not a directory"):
        resolve_model(settings)
    status = model_status(settings)
    assert not status.ready
    assert status.problem is not None


def test_other_names_go_to_the_hub(tmp_path: Path) -> None:
    for name in ("small", "large-v3", "Systran/faster-whisper-medium"):
        settings = Settings(data_dir=tmp_path, whisper_model=name)
        assert resolve_model(settings) == name
        assert model_status(settings).kind == "hub"
