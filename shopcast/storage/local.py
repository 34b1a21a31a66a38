"""A store in a local directory. Unfinished uploads live under `.staging/` and are renamed into place."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

from shopcast.storage.base import ObjectStore, StagedUpload, StagingState


class LocalStore(ObjectStore):
    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_url(cls, url: str) -> LocalStore:
        return cls(Path(unquote(urlparse(url).path)))

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"key escapes the store: {key}")
        return path

    def _staging_path(self, key: str) -> Path:
        return self._path(".staging/" + key.replace("/", "__"))

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)

    def get_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def iter_range(self, key: str, start: int, end: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        with self._path(key).open("rb") as f:
            f.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                data = f.read(min(chunk, remaining))
                if not data:
                    return
                remaining -= len(data)
                yield data

    def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()

    def list_keys(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if not base.exists():
            return []
        root = self.root.resolve()
        return sorted(p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file())

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.exists() else None

    def download_to(self, key: str, dest: Path) -> None:
        shutil.copyfile(self._path(key), dest)

    def begin_staging(self, key: str) -> StagingState:
        path = self._staging_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        return StagingState()

    def append(self, key: str, state: StagingState, offset: int, part_bytes: int) -> StagedUpload:
        return _LocalAppend(self._staging_path(key), offset, state)

    def finish_staging(self, key: str, state: StagingState) -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._staging_path(key), dest)

    def abort_staging(self, key: str, state: StagingState) -> None:
        self._staging_path(key).unlink(missing_ok=True)


class _LocalAppend(StagedUpload):
    def __init__(self, path: Path, offset: int, state: StagingState):
        self._offset = offset
        self._state = state
        self._file = path.open("r+b")
        # Bytes past the committed offset are from an append that never committed (a crash).
        self._file.truncate(offset)
        self._file.seek(offset)

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> StagingState:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._state

    def discard(self) -> None:
        self._file.truncate(self._offset)
        self._file.close()
