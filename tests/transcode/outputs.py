"""Reading an asset's HLS: from the API as a player does, and from the store."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.harness.polling import poll
from tests.harness.stack import Stack


def single_output_set(stack: Stack, asset_id: str, timeout: float = 15) -> list[str]:
    """The asset's HLS keys once they form exactly one job's set; replaced sets are deleted after
    the commit that replaced them, so this waits (bounded) for that step."""

    def prefixes(keys: list[str]) -> set[str]:
        return {key.split("/")[3] for key in keys}

    return poll(
        lambda: stack.runtime.store.list_keys(f"assets/{asset_id}/hls/"),
        lambda keys: len(prefixes(keys)) == 1,
        timeout_s=timeout,
        interval_s=0.2,
        what=lambda keys: f"expected one set of outputs, found prefixes {sorted(prefixes(keys))}",
    )


def wait_for_ladder(
    client: httpx.Client, asset_id: str, timeout: float = 180, interval: float = 0.25
) -> dict[str, Any]:
    """The asset once its transcode job has ended, either way."""

    def ended(asset: dict[str, Any]) -> bool:
        transcode = [j for j in asset["jobs"] if j["kind"] == "transcode"]
        return bool(transcode) and transcode[0]["state"] in ("succeeded", "failed")

    asset: dict[str, Any] = poll(
        lambda: client.get(f"/v1/assets/{asset_id}").json(),
        ended,
        timeout_s=timeout,
        interval_s=interval,
        what=lambda asset: f"no ladder after {timeout} s: {asset}",
    )
    return asset


def playlist_uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def fetch_rung(base: str, playlist: str) -> tuple[bytes, list[bytes], list[float]]:
    """A rung's init segment, media segments and their EXTINF durations, fetched as a player would."""
    init_uri = re.search(r'#EXT-X-MAP:URI="([^"]+)"', playlist)
    assert init_uri is not None
    assert "token=" in init_uri.group(1)
    init = httpx.get(f"{base}/{init_uri.group(1)}").content
    segments = [httpx.get(f"{base}/{uri}").content for uri in playlist_uris(playlist)]
    durations = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+),", playlist)]
    return init, segments, durations


def finished_transcode(
    client: httpx.Client, asset_id: str, timeout: float = 3600, interval: float = 0.25
) -> dict[str, Any]:
    """The asset's transcode job once it succeeded (benchmarks time it from its own timestamps)."""
    asset = wait_for_ladder(client, asset_id, timeout, interval)
    job: dict[str, Any] = next(j for j in asset["jobs"] if j["kind"] == "transcode")
    assert job["state"] == "succeeded", job
    return job
