"""A tus client with a progress bar that survives dropped connections and restarts.

tuspy does the protocol; its URL store remembers each file's upload URL by fingerprint, so running
the same command again continues where the last run stopped.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError, TusUploadFailed
from tusclient.storage.filestorage import FileStorage
from tusclient.uploader import Uploader  # type: ignore[attr-defined]

_RETRIES = 10
_RETRY_DELAY_S = 2.0


def upload_file(
    path: Path, server: str, token: str, title: str | None, chunk_size: int, state_dir: Path
) -> str:
    """Upload `path` and return the asset id (the last segment of the upload URL)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    client = tus_client.TusClient(
        server.rstrip("/") + "/v1/uploads", headers={"Authorization": f"Bearer {token}"}
    )
    uploader = client.uploader(
        str(path),
        chunk_size=chunk_size,
        metadata={"filename": path.name, **({"title": title} if title else {})},
        store_url=True,
        url_storage=FileStorage(str(state_dir / "tus-urls.json")),  # type: ignore[no-untyped-call]
        retries=_RETRIES,
        retry_delay=int(_RETRY_DELAY_S),
    )
    total = int(uploader.get_file_size())  # type: ignore[no-untyped-call]
    with Progress(
        *Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(), TransferSpeedColumn()
    ) as bar:
        task = bar.add_task(path.name, total=total, completed=uploader.offset)
        while uploader.offset < total:
            _upload_chunk_with_retries(uploader)
            bar.update(task, completed=uploader.offset)
    url = str(uploader.url)
    return url.rstrip("/").rsplit("/", 1)[-1]


def _upload_chunk_with_retries(uploader: Uploader) -> None:
    for attempt in range(_RETRIES + 1):
        try:
            uploader.upload_chunk()  # type: ignore[no-untyped-call]
            return
        except (TusCommunicationError, TusUploadFailed, OSError):
            if attempt == _RETRIES:
                raise
            time.sleep(_RETRY_DELAY_S)
            uploader.offset = uploader.get_offset()
