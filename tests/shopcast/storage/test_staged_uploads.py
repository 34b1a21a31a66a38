"""Both stores assemble appends of any size into one object, and a discarded append leaves no trace."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopcast.settings import Settings
from shopcast.storage import ObjectStore, StagingState, open_store
from tests.harness.services import moto_s3

PART = 5 * 1024 * 1024  # S3's smallest part


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield open_store(Settings(data_dir=tmp_path))
        return
    with moto_s3() as s3:
        settings = Settings(
            data_dir=tmp_path, storage_url=f"s3://{s3.bucket}/p", s3_endpoint_url=s3.endpoint_url
        )
        yield open_store(settings)


def _append(store: ObjectStore, key: str, state: StagingState, offset: int, data: bytes) -> StagingState:
    writer = store.append(key, state, offset, PART)
    for start in range(0, len(data), 700_000):
        writer.write(data[start : start + 700_000])
    return writer.commit()


def test_appends_of_any_size_assemble_in_order(store: ObjectStore) -> None:
    key = "assets/a1/source"
    pieces = [os.urandom(n) for n in (3 * 1024 * 1024, 4 * 1024 * 1024, 1, 7 * 1024 * 1024 + 17, 12345)]
    state, offset = store.begin_staging(key), 0
    for piece in pieces:
        state = _append(store, key, state, offset, piece)
        offset += len(piece)
    store.finish_staging(key, state)
    whole = b"".join(pieces)
    assert store.size(key) == len(whole)
    assert (
        hashlib.sha256(b"".join(store.iter_range(key, 0, len(whole) - 1))).digest()
        == hashlib.sha256(whole).digest()
    )
    assert b"".join(store.iter_range(key, 10, 19)) == whole[10:20]


def test_discarded_append_is_forgotten(store: ObjectStore) -> None:
    key = "assets/a2/source"
    first, bad, good = os.urandom(2_000_000), os.urandom(6_000_000), os.urandom(6_000_000)
    state = _append(store, key, store.begin_staging(key), 0, first)
    writer = store.append(key, state, len(first), PART)
    writer.write(bad)
    writer.discard()
    state = _append(store, key, state, len(first), good)
    store.finish_staging(key, state)
    assert b"".join(store.iter_range(key, 0, len(first) + len(good) - 1)) == first + good


def test_delete_prefix_removes_everything_under_it(store: ObjectStore) -> None:
    store.put_bytes("assets/a3/one", b"1")
    store.put_bytes("assets/a3/sub/two", b"2")
    store.put_bytes("assets/a4/keep", b"3")
    store.delete_prefix("assets/a3/")
    assert store.size("assets/a3/one") is None
    assert store.size("assets/a3/sub/two") is None
    assert store.get_bytes("assets/a4/keep") == b"3"


def test_local_keys_cannot_escape_the_store(tmp_path: Path) -> None:
    local = open_store(Settings(data_dir=tmp_path))
    with pytest.raises(ValueError, match="escapes"):
        local.put_bytes("../../outside", b"x")
