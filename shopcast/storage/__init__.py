"""Object storage: one interface, a local-directory backend and an S3 backend."""

from __future__ import annotations

from shopcast.settings import Settings
from shopcast.storage.base import ObjectStore, StagedUpload, StagingState

__all__ = ["ObjectStore", "StagedUpload", "StagingState", "open_store"]


def open_store(settings: Settings) -> ObjectStore:
    """The store named by SHOPCAST_STORAGE_URL: `file:///path` or `s3://bucket/prefix`."""
    url = settings.effective_storage_url
    if url.startswith("file://"):
        from shopcast.storage.local import LocalStore

        return LocalStore.from_url(url)
    if url.startswith("s3://"):
        from shopcast.storage.s3 import S3Store

        return S3Store.from_url(url, settings)
    raise ValueError(f"unsupported storage url: {url}")
