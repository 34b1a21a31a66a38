"""Identifiers that sort by creation time, so cursors can page by id alone."""

from __future__ import annotations

import os
import threading
import time

_RANDOM_BITS = 80
_lock = threading.Lock()
_last = (0, 0)


def new_id() -> str:
    """A 32-hex-character id: 48 bits of milliseconds, then 80 bits that start random.

    Within one millisecond a process increments the previous id's random part (as ULID's monotonic
    mode does), so ids made one after another in a process sort in the order they were made.
    """
    global _last
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    with _lock:
        last_millis, last_random = _last
        if millis <= last_millis and last_random + 1 < (1 << _RANDOM_BITS):
            millis, random_part = last_millis, last_random + 1
        else:
            random_part = int.from_bytes(os.urandom(_RANDOM_BITS // 8), "big") >> 1
        _last = (millis, random_part)
    return f"{millis:012x}{random_part:020x}"
