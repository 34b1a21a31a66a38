"""tus 1.0.0 behaviour: checksums, locking, offsets, termination, limits, idempotency, ranges."""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from ingest.uploads.models import Upload
from tests.harness.polling import wait_until
from tests.harness.stack import Stack
from tests.harness.tus import TUS, metadata, upload, wait_for_state

OCTETS = {"Content-Type": "application/offset+octet-stream"}


def _create(client: httpx.Client, length: int) -> str:
    response = client.post("/v1/uploads", headers={**TUS, "Upload-Length": str(length)})
    assert response.status_code == 201, response.text
    assert "Upload-Expires" in response.headers
    return response.headers["Location"]


def _offset(client: httpx.Client, location: str) -> int:
    return int(client.head(location, headers=TUS).headers["Upload-Offset"])


def test_options_advertise_version_extensions_and_checksums(stack: Stack) -> None:
    response = httpx.options(f"{stack.base_url}/v1/uploads")
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    extensions = set(response.headers["Tus-Extension"].split(","))
    assert {"creation", "creation-with-upload", "termination", "checksum", "expiration"} <= extensions
    assert set(response.headers["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}
    assert int(response.headers["Tus-Max-Size"]) == 50 * 1024**3


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_checksum_mismatch_is_460_and_keeps_nothing(stack: Stack, algorithm: str) -> None:
    body = b"x" * 100_000
    with stack.client(stack.user(f"checksum-{algorithm}-{stack.name}", "creator")) as client:
        location = _create(client, 2 * len(body))
        wrong = base64.b64encode(hashlib.new(algorithm, b"other").digest()).decode()
        refused = client.patch(
            location,
            headers={**TUS, **OCTETS, "Upload-Offset": "0", "Upload-Checksum": f"{algorithm} {wrong}"},
            content=body,
        )
        assert refused.status_code == 460
        assert refused.json()["error"]["code"] == "checksum_mismatch"
        assert _offset(client, location) == 0
        right = base64.b64encode(hashlib.new(algorithm, body).digest()).decode()
        accepted = client.patch(
            location,
            headers={**TUS, **OCTETS, "Upload-Offset": "0", "Upload-Checksum": f"{algorithm} {right}"},
            content=body,
        )
        assert accepted.status_code == 204
        assert accepted.headers["Upload-Offset"] == str(len(body))


def test_unknown_checksum_algorithm_is_400(stack: Stack) -> None:
    with stack.client(stack.user(f"md5-{stack.name}", "creator")) as client:
        location = _create(client, 10)
        response = client.patch(
            location,
            headers={**TUS, **OCTETS, "Upload-Offset": "0", "Upload-Checksum": "md5 AAAA"},
            content=b"0123456789",
        )
    assert response.status_code == 400


def test_wrong_offset_is_409(stack: Stack) -> None:
    with stack.client(stack.user(f"offset-{stack.name}", "creator")) as client:
        location = _create(client, 100)
        assert (
            client.patch(
                location, headers={**TUS, **OCTETS, "Upload-Offset": "0"}, content=b"a" * 40
            ).status_code
            == 204
        )
        response = client.patch(location, headers={**TUS, **OCTETS, "Upload-Offset": "10"}, content=b"b" * 10)
        assert response.status_code == 409
        assert _offset(client, location) == 40


def test_body_beyond_upload_length_is_refused(stack: Stack) -> None:
    with stack.client(stack.user(f"overflow-{stack.name}", "creator")) as client:
        location = _create(client, 10)
        response = client.patch(location, headers={**TUS, **OCTETS, "Upload-Offset": "0"}, content=b"z" * 11)
        assert response.status_code == 413
        assert _offset(client, location) == 0


def test_concurrent_patch_on_one_upload_is_refused(stack: Stack) -> None:
    token = stack.user(f"concurrent-{stack.name}", "creator")
    chunk, pieces = b"s" * 65536, 60

    def slow_body() -> Iterator[bytes]:
        for _ in range(pieces):
            time.sleep(0.05)  # paces the body (3 s in all) so the racing PATCH finds the upload locked
            yield chunk

    def locked(upload_id: str) -> bool:
        with stack.runtime.sessions() as session:
            held = session.get(Upload, upload_id)
            return held is not None and held.lock_token is not None

    with stack.client(token) as first, stack.client(token) as second:
        location = _create(first, len(chunk) * pieces)
        results: dict[str, int] = {}
        writer = threading.Thread(
            target=lambda: results.update(
                slow=first.patch(
                    location, headers={**TUS, **OCTETS, "Upload-Offset": "0"}, content=slow_body()
                ).status_code
            )
        )
        writer.start()
        wait_until(
            lambda: locked(location.rsplit("/", 1)[-1]),
            timeout_s=pieces * 0.05,  # the slow body's whole length: after it, nothing holds the lock
            interval_s=0.05,
            what="the slow PATCH holding the upload's lock",
        )
        racing = second.patch(location, headers={**TUS, **OCTETS, "Upload-Offset": "0"}, content=chunk)
        writer.join()
        assert racing.status_code == 423
        assert results["slow"] == 204
        assert _offset(first, location) == len(chunk) * pieces


def test_termination_removes_upload_and_asset(stack: Stack) -> None:
    with stack.client(stack.user(f"terminate-{stack.name}", "creator")) as client:
        location = _create(client, 100)
        client.patch(location, headers={**TUS, **OCTETS, "Upload-Offset": "0"}, content=b"q" * 50)
        assert client.delete(location, headers=TUS).status_code == 204
        assert client.head(location, headers=TUS).status_code == 404
        assert client.get(f"/v1/assets/{location.rsplit('/', 1)[-1]}").status_code == 404


def test_upload_over_the_size_limit_is_413(stack: Stack) -> None:
    with stack.client(stack.user(f"huge-{stack.name}", "creator")) as client:
        response = client.post("/v1/uploads", headers={**TUS, "Upload-Length": str(50 * 1024**3 + 1)})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_missing_tus_version_is_412(stack: Stack) -> None:
    with stack.client(stack.user(f"version-{stack.name}", "creator")) as client:
        response = client.post("/v1/uploads", headers={"Upload-Length": "10"})
    assert response.status_code == 412
    assert response.headers["Tus-Version"] == "1.0.0"


def test_idempotency_key_replays_the_first_creation(stack: Stack) -> None:
    headers = {
        **TUS,
        "Upload-Length": "10",
        "Idempotency-Key": "create-once",
        "Upload-Metadata": metadata(title="one"),
    }
    with stack.client(stack.user(f"idem-{stack.name}", "creator")) as client:
        first = client.post("/v1/uploads", headers=headers)
        again = client.post("/v1/uploads", headers=headers)
        listed = client.get("/v1/assets").json()["items"]
    assert first.status_code == again.status_code == 201
    assert first.headers["Location"] == again.headers["Location"]
    assert len(listed) == 1
    assert listed[0]["title"] == "one"


def test_source_download_honours_ranges(stack: Stack, media: object) -> None:
    from tests.harness.media import MediaFactory

    assert isinstance(media, MediaFactory)
    path = media.vp9_webm_silent()
    data = path.read_bytes()
    with stack.client(stack.user(f"range-{stack.name}", "creator")) as client:
        asset_id = upload(client, path)
        wait_for_state(client, asset_id, {"ready"})
        url = f"/v1/assets/{asset_id}/source"
        whole = client.get(url)
        middle = client.get(url, headers={"Range": "bytes=100-199"})
        suffix = client.get(url, headers={"Range": "bytes=-50"})
        beyond = client.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert whole.content == data
    assert (middle.status_code, middle.content) == (206, data[100:200])
    assert middle.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert (suffix.status_code, suffix.content) == (206, data[-50:])
    assert beyond.status_code == 416
