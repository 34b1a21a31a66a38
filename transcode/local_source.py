"""The asset's source as a file on this machine, wherever the object store keeps it."""

from __future__ import annotations

from pathlib import Path

from ingest import source_key
from shopcast.runtime import Runtime

__all__ = ["local_source"]


def local_source(runtime: Runtime, asset_id: str, folder: Path) -> Path:
    """The store's own file when it keeps one (local store), else a copy downloaded into `folder`
    (which the caller removes). Raises what the store raises when the source is missing."""
    local = runtime.store.local_path(source_key(asset_id))
    if local is not None:
        return local
    copy = folder / "source"
    runtime.store.download_to(source_key(asset_id), copy)
    return copy
