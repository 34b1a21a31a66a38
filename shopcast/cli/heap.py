"""Freed large buffers go back to the operating system instead of staying in the heap.

glibc's malloc raises its mmap threshold each time a large block is freed, so later megabyte
buffers (upload batches, S3 parts) come from per-thread heaps that keep their peak for good.
A fixed threshold keeps them mmapped: freed at once, and the API's memory follows its load.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

LARGE_BUFFER_BYTES = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def return_large_buffers() -> None:
    """Apply to this process and, through glibc's environment knob, to processes it spawns."""
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(LARGE_BUFFER_BYTES))
    library = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(library), "mallopt", None) if library else None
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES)
