"""The upload lock: a PATCH that stalled and lost its upload to a retry
writes and records nothing, and PATCHes waiting for a held upload leave the API's threads free."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from ingest.uploads.models import Upload
from tests.harness.polling import wait_until
from tests.harness.stack import Stack
from tests.harness.tus import TUS

OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}
STALE_S = 2.0  # SHOPCAST_UPLOAD_LOCK_STALE_S of short_lock_stack
WAIT_S = 5.0  # SHOPCAST_UPLOAD_LOCK_WAIT_S of short_lock_stack


def _create(client: httpx.Client, length: int) -> str:
    response = client.post("/v1/uploads", headers={**TUS, "Upload-Length": str(length)})
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def _wait_until_locked(stack: Stack, location: str) -> None:
    upload_id = location.rsplit("/", 1)[-1]

    def locked() -> bool:
        with stack.runtime.sessions() as session:
            held = session.get(Upload, upload_id)
            return held is not None and held.lock_token is not None

    wait_until(locked, timeout_s=10, interval_s=0.05, what="the first PATCH holding the upload's lock")


def test_stalled_patch_loses_the_upload_to_its_retry(short_lock_stack: Stack) -> None:
    """The first PATCH sends 100 KB of its 1 MB, then stalls until its retry has finished the
    upload; when it sends the rest it must be refused, and the source must be the retry's bytes."""
    stack = short_lock_stack
    first_bytes, retry_bytes = b"A" * 1_000_000, b"B" * 1_000_000
    retried = threading.Event()

    def stalled_body() -> Iterator[bytes]:
        yield first_bytes[:100_000]
        retried.wait(timeout=60)  # the stall: as long as the retry takes, which outlasts STALE_S
        yield first_bytes[100_000:]

    token = stack.user(f"stalled-{stack.name}", "creator")
    results: dict[str, httpx.Response] = {}
    with stack.client(token) as first, stack.client(token) as second:
        location = _create(first, len(first_bytes))
        headers = {**OCTETS, "Upload-Offset": "0"}
        writer = threading.Thread(
            target=lambda: results.update(
                stalled=first.patch(location, headers=headers, content=stalled_body())
            )
        )
        writer.start()
        _wait_until_locked(stack, location)
        started = time.monotonic()
        retry = second.patch(location, headers=headers, content=retry_bytes)
        waited = time.monotonic() - started
        retried.set()
        writer.join(timeout=60)
        offset = second.head(location, headers=TUS).headers["Upload-Offset"]
        stored = second.get(f"/v1/assets/{location.rsplit('/', 1)[-1]}/source")
    assert retry.status_code == 204, retry.text
    assert waited >= STALE_S * 0.9, "the retry must wait until the stalled PATCH's lock went stale"
    stalled = results["stalled"]
    assert stalled.status_code == 409, stalled.text
    assert stalled.json()["error"]["code"] == "upload_lock_lost"
    assert offset == str(len(retry_bytes))
    assert stored.status_code == 200
    assert hashlib.sha256(stored.content).hexdigest() == hashlib.sha256(retry_bytes).hexdigest()


@dataclass
class _Timed:
    status: int
    started: float
    ended: float


def _timed_patch(stack: Stack, token: str, location: str, out: list[_Timed], go: threading.Barrier) -> None:
    with stack.client(token) as client:
        go.wait()
        started = time.monotonic()
        response = client.patch(location, headers={**OCTETS, "Upload-Offset": "0"}, content=b"w" * 10)
        out.append(_Timed(response.status_code, started, time.monotonic()))


def _me_seconds(client: httpx.Client) -> float:
    started = time.monotonic()
    assert client.get("/v1/me").status_code == 200
    return time.monotonic() - started


def test_patches_waiting_for_a_lock_leave_other_requests_fast(short_lock_stack: Stack) -> None:
    """60 PATCHes wait on one upload that a slow PATCH holds; meanwhile GET /v1/me, which needs
    one of the threads every synchronous route shares, stays as fast as it was before."""
    stack, waiters = short_lock_stack, 60
    token = stack.user(f"starve-{stack.name}", "creator")
    done = threading.Event()

    def trickle() -> Iterator[bytes]:
        while not done.wait(0.1):  # paces the body, so the holder keeps the lock by making progress
            yield b"h" * 1024

    with stack.client(token) as holder_client, stack.client(token) as me:
        location = _create(holder_client, 10_000_000)
        held: dict[str, int] = {}
        holder = threading.Thread(
            target=lambda: held.update(
                status=holder_client.patch(
                    location, headers={**OCTETS, "Upload-Offset": "0"}, content=trickle()
                ).status_code
            )
        )
        holder.start()
        _wait_until_locked(stack, location)
        baseline = max(_me_seconds(me) for _ in range(5))
        answers: list[_Timed] = []
        go = threading.Barrier(waiters + 1)
        threads = [
            threading.Thread(target=_timed_patch, args=(stack, token, location, answers, go))
            for _ in range(waiters)
        ]
        for thread in threads:
            thread.start()
        go.wait()
        measured_from = time.monotonic()
        loaded = []
        while time.monotonic() - measured_from < WAIT_S / 2:
            loaded.append(_me_seconds(me))
            time.sleep(0.1)  # paces the samples over the waiters' wait
        measured_to = time.monotonic()
        for thread in threads:
            thread.join(timeout=30)
        done.set()
        holder.join(timeout=30)
    assert max(loaded) < 1.0 + 5 * baseline, (baseline, loaded)
    # Every waiter was still waiting after the last sample: the samples were taken under load.
    assert all(answer.ended > measured_to for answer in answers)
    assert len(answers) == waiters
    assert {answer.status for answer in answers} == {423}
    assert held["status"] == 204


def test_a_finished_upload_takes_no_more_bytes(stack: Stack) -> None:
    """Once complete, an upload's staged bytes are its source: a late PATCH at its end must not
    open them for writing (it answered 500, the staged file having moved into place)."""
    body = b"f" * 1000
    with stack.client(stack.user(f"finished-{stack.name}", "creator")) as client:
        location = _create(client, len(body))
        assert (
            client.patch(location, headers={**OCTETS, "Upload-Offset": "0"}, content=body).status_code == 204
        )
        late = client.patch(location, headers={**OCTETS, "Upload-Offset": str(len(body))}, content=b"x")
        empty = client.patch(location, headers={**OCTETS, "Upload-Offset": str(len(body))}, content=b"")
        stored = client.get(f"/v1/assets/{location.rsplit('/', 1)[-1]}/source")
    assert late.status_code == 413, late.text
    assert late.json()["error"]["code"] == "length_exceeded"
    assert empty.status_code == 204, empty.text
    assert empty.headers["Upload-Offset"] == str(len(body))
    assert stored.content == body
