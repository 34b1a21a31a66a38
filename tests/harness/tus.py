"""Small tus and polling helpers for tests that do not need a full client."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from tests.harness.polling import poll

TUS = {"Tus-Resumable": "1.0.0"}


def metadata(**pairs: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def file_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


def upload(client: httpx.Client, path: Path, **extra_headers: str) -> str:
    """Upload a whole file with creation-with-upload; returns the asset id."""
    headers = {
        **TUS,
        "Upload-Length": str(path.stat().st_size),
        "Upload-Metadata": metadata(filename=path.name),
        "Content-Type": "application/offset+octet-stream",
        **extra_headers,
    }
    response = client.post("/v1/uploads", headers=headers, content=file_chunks(path))
    assert response.status_code == 201, response.text
    assert int(response.headers["Upload-Offset"]) == path.stat().st_size
    return response.headers["Location"].rsplit("/", 1)[-1]


def wait_for_state(
    client: httpx.Client, asset_id: str, states: set[str], timeout: float = 30
) -> dict[str, Any]:
    """Poll the asset until its state is one of `states`; fails the test on timeout."""
    asset: dict[str, Any] = poll(
        lambda: client.get(f"/v1/assets/{asset_id}").json(),
        lambda asset: asset.get("state") in states,
        timeout_s=timeout,
        interval_s=0.1,
        what=lambda asset: f"asset {asset_id} stayed {asset.get('state')} for {timeout} s: {asset}",
    )
    return asset


def job_of(asset: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The asset's job of `kind`, as its API shape lists it; None before there is one."""
    return next((job for job in asset["jobs"] if job["kind"] == kind), None)


def wait_for_job(
    client: httpx.Client, asset_id: str, kind: str, *, timeout_s: float, interval_s: float, what: str
) -> dict[str, Any]:
    """The asset once its job of `kind` has ended; fails the test unless that job succeeded."""

    def ended(asset: dict[str, Any]) -> bool:
        job = job_of(asset, kind)
        return job is not None and job["state"] in ("succeeded", "failed")

    asset: dict[str, Any] = poll(
        lambda: client.get(f"/v1/assets/{asset_id}").json(),
        ended,
        timeout_s=timeout_s,
        interval_s=interval_s,
        what=lambda asset: f"{what} after {timeout_s} s: {asset}",
    )
    job = job_of(asset, kind)
    assert job is not None
    assert job["state"] == "succeeded", job["error"]
    return asset
