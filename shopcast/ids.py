"""Identifiers that sort by creation time, so cursors can page by id alone."""

from __future__ import annotations

import os
import time


def new_id() -> str:
    """A 32-hex-character id: 48 bits of milliseconds, then 80 random bits."""
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    return f"{millis:012x}{os.urandom(10).hex()}"
