"""A large upload survives a cut connection: tuspy resumes it and the stored bytes are identical."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tusclient import client as tus_client

from tests.harness.media import MediaFactory
from tests.harness.memory import RssSampler
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import TUS, metadata, wait_for_state

CUT_AFTER = 120 * 1024 * 1024
RSS_GROWTH_LIMIT = 64 * 1024 * 1024


def _chunks_then_cut(path: Path, cut_after: int) -> Iterator[bytes]:
    sent = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            yield chunk
            sent += len(chunk)
            if sent >= cut_after:
                raise ConnectionAbortedError("simulated network drop")


def _sha256_of_download(client: httpx.Client, url: str) -> str:
    digest = hashlib.sha256()
    with client.stream("GET", url) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def test_resumed_upload_matches_source_sha256(stack: Stack, media: MediaFactory) -> None:
    source = media.big_mpeg2(200)
    size = source.stat().st_size
    assert size > 190 * 1024 * 1024
    token = stack.user(f"resume-{stack.name}", "creator")
    sampler = RssSampler(stack.processes["api"].pid)
    with stack.client(token) as client:
        created = client.post(
            "/v1/uploads",
            headers={**TUS, "Upload-Length": str(size), "Upload-Metadata": metadata(filename=source.name)},
        )
        assert created.status_code == 201
        location = created.headers["Location"]
        assert location.startswith("/v1/uploads/")
        with pytest.raises((httpx.TransportError, ConnectionAbortedError)):
            client.patch(
                location,
                headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
                content=_chunks_then_cut(source, CUT_AFTER),
            )
        kept = _settled_offset(client, location)
        assert 32 * 1024 * 1024 < kept <= CUT_AFTER, "bytes received before the drop were kept"

        uploader = tus_client.TusClient(
            stack.base_url + "/v1/uploads", headers={"Authorization": f"Bearer {token}"}
        ).uploader(
            str(source), url=stack.base_url + location, chunk_size=32 * 1024 * 1024, retries=5, retry_delay=1
        )
        assert uploader.offset == kept
        uploader.upload()
        growth = sampler.stop()

        asset_id = location.rsplit("/", 1)[-1]
        asset = wait_for_state(client, asset_id, {"ready", "rejected", "failed"}, timeout=60)
        assert asset["state"] == "ready", asset["error"]
        assert _sha256_of_download(client, f"/v1/assets/{asset_id}/source") == _sha256_of_file(source)
    assert growth < RSS_GROWTH_LIMIT, f"API RSS grew by {growth / 2**20:.1f} MiB while streaming"


def _settled_offset(client: httpx.Client, location: str) -> int:
    """The server's offset once the interrupted PATCH has committed and let go of the upload."""
    offsets: list[int] = []

    def last_two() -> list[int]:
        offsets.append(int(client.head(location, headers=TUS).headers["Upload-Offset"]))
        return offsets[-2:]

    settled = poll(
        last_two,
        lambda last: len(last) == 2 and last[0] == last[1] > 0,
        timeout_s=15,
        interval_s=0.5,
        what="the interrupted upload's offset never settled",
    )
    return settled[-1]
