"""The storage interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class StagingState:
    """What a backend needs to continue an unfinished upload; stored as JSON on the upload row."""

    multipart_id: str | None = None
    parts: list[tuple[int, str]] = field(default_factory=list)
    tail_bytes: int = 0

    def to_json(self) -> dict[str, object]:
        return {"multipart_id": self.multipart_id, "parts": self.parts, "tail_bytes": self.tail_bytes}

    @classmethod
    def from_json(cls, data: dict[str, object] | None) -> StagingState:
        if not data:
            return cls()
        parts = [(int(n), str(e)) for n, e in data.get("parts", []) or []]  # type: ignore[attr-defined]
        tail = data.get("tail_bytes", 0)
        mid = data.get("multipart_id")
        return cls(multipart_id=str(mid) if mid else None, parts=parts, tail_bytes=int(tail))  # type: ignore[call-overload]


class StagedUpload(ABC):
    """One append of bytes to an unfinished object. Either commit() or discard() ends it."""

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def commit(self) -> StagingState:
        """Make the written bytes durable and return the new state to store."""

    @abstractmethod
    def discard(self) -> None:
        """Forget what this append wrote (a failed checksum); the previous state stays valid."""


class ObjectStore(ABC):
    """Keys are `/`-separated paths. Readers and writers stream; nothing buffers whole objects."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...

    @abstractmethod
    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None:
        """Store a local file, streaming it (multipart on S3)."""

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def size(self, key: str) -> int | None:
        """Size in bytes, or None when the key does not exist."""

    @abstractmethod
    def iter_range(self, key: str, start: int, end: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        """Bytes start..end inclusive, in chunks."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> None: ...

    @abstractmethod
    def list_keys(self, prefix: str) -> list[str]:
        """Every key under `prefix`, sorted."""

    @abstractmethod
    def local_path(self, key: str) -> Path | None:
        """A path on this machine holding the object, when the backend keeps one."""

    @abstractmethod
    def download_to(self, key: str, dest: Path) -> None: ...

    # resumable writes, for tus uploads
    @abstractmethod
    def begin_staging(self, key: str) -> StagingState: ...

    @abstractmethod
    def append(self, key: str, state: StagingState, offset: int, part_bytes: int) -> StagedUpload:
        """Start appending at `offset` (the bytes already committed)."""

    @abstractmethod
    def finish_staging(self, key: str, state: StagingState) -> None:
        """Publish the staged bytes as `key`, atomically."""

    @abstractmethod
    def abort_staging(self, key: str, state: StagingState) -> None: ...
