"""What the store holds for an asset's HLS, once the post-commit clean-up has run."""

from __future__ import annotations

import time

from tests.harness.stack import Stack


def single_output_set(stack: Stack, asset_id: str, timeout: float = 15) -> list[str]:
    """The asset's HLS keys once they form exactly one job's set; replaced sets are deleted after
    the commit that replaced them, so this waits (bounded) for that step."""
    deadline = time.monotonic() + timeout
    keys: list[str] = []
    while time.monotonic() < deadline:
        keys = stack.runtime.store.list_keys(f"assets/{asset_id}/hls/")
        if len({key.split("/")[3] for key in keys}) == 1:
            return keys
        time.sleep(0.2)
    prefixes = sorted({key.split("/")[3] for key in keys})
    raise AssertionError(f"expected one set of outputs, found prefixes {prefixes}")
