"""Overlap receiving with writing: batches go to a writer thread through a short queue."""

from __future__ import annotations

import queue
import threading

import anyio

from shopcast.storage.base import StagedUpload

_DONE = b""


class PipelinedWriter:
    """Writes batches to `target` on its own thread while the caller keeps reading the network.

    At most `depth` batches wait in the queue, so memory stays bounded; a write error is raised
    to the caller on its next write or on close().
    """

    def __init__(self, target: StagedUpload, depth: int = 4):
        self._target = target
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, daemon=True, name="upload-writer")
        self._thread.start()

    def _drain(self) -> None:
        while (data := self._queue.get()) is not _DONE:
            if self._error is None:
                try:
                    self._target.write(data)
                except BaseException as exc:
                    self._error = exc

    async def write(self, data: bytes) -> None:
        self._raise_error()
        if not data:
            return
        try:
            self._queue.put_nowait(data)
        except queue.Full:
            await anyio.to_thread.run_sync(self._queue.put, data)

    async def close(self) -> None:
        """Wait for every queued batch to be written; raises the first write error."""
        await anyio.to_thread.run_sync(self._queue.put, _DONE)
        await anyio.to_thread.run_sync(self._thread.join)
        self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error
