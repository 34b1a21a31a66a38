"""tus creation: empty uploads end at once, one asset per Idempotency-Key,
and only roles that own footage may create uploads."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.harness.stack import Stack
from tests.harness.tus import TUS, metadata, wait_for_state

OCTETS = {"Content-Type": "application/offset+octet-stream"}


def test_empty_upload_without_a_body_is_rejected_at_once(stack: Stack) -> None:
    """No PATCH ever finishes a 0-byte upload, so creation itself must hand it to the probe."""
    headers = {**TUS, "Upload-Length": "0", "Upload-Metadata": metadata(filename="empty.mp4")}
    with stack.client(stack.user(f"empty-{stack.name}", "creator")) as client:
        created = client.post("/v1/uploads", headers=headers)
        assert created.status_code == 201, created.text
        assert created.headers["Upload-Offset"] == "0"
        asset_id = created.headers["Location"].rsplit("/", 1)[-1]
        asset = wait_for_state(client, asset_id, {"ready", "rejected", "failed"}, timeout=10)
    assert asset["state"] == "rejected"
    assert asset["error"]["code"] == "corrupt"
    assert "empty" in asset["error"]["message"]
    assert [(j["kind"], j["state"], j["error"]["code"]) for j in asset["jobs"]] == [
        ("probe", "failed", "corrupt")
    ]


def test_concurrent_creations_with_one_key_make_one_asset(stack: Stack) -> None:
    """The key is stored in the creation's own transaction: the losers' assets roll back with it.
    Each creation carries its body, so that creations overlap while the first one receives it."""
    token, racers = stack.user(f"idem-race-{stack.name}", "creator"), 8
    headers = {
        **TUS,
        "Upload-Length": "10",
        "Idempotency-Key": "race",
        "Upload-Metadata": metadata(title="raced"),
    }
    go = threading.Barrier(racers)
    answers: list[httpx.Response] = []

    def create() -> None:
        with stack.client(token) as client:
            go.wait()
            answers.append(client.post("/v1/uploads", headers={**headers, **OCTETS}, content=b"0123456789"))

    threads = [threading.Thread(target=create) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == racers
    assert {answer.status_code for answer in answers} <= {201, 409}, [a.text for a in answers]
    assert all(a.json()["error"]["code"] == "idempotency_key_in_use" for a in answers if a.status_code == 409)
    locations = {answer.headers["Location"] for answer in answers if answer.status_code == 201}
    assert len(locations) == 1
    with stack.client(token) as client:
        listed = client.get("/v1/assets").json()["items"]
        again = client.post("/v1/uploads", headers={**headers, **OCTETS}, content=b"0123456789")
    assert [asset["id"] for asset in listed] == [locations.pop().rsplit("/", 1)[-1]]
    assert again.status_code == 201
    assert again.headers["Location"] == f"/v1/uploads/{listed[0]['id']}"


def test_replayed_creation_answers_the_offset_reached_since(stack: Stack) -> None:
    headers = {**TUS, "Upload-Length": "10", "Idempotency-Key": "replay-offset"}
    with stack.client(stack.user(f"idem-offset-{stack.name}", "creator")) as client:
        first = client.post("/v1/uploads", headers={**headers, **OCTETS}, content=b"0123")
        again = client.post("/v1/uploads", headers={**headers, **OCTETS}, content=b"0123")
    assert first.status_code == again.status_code == 201
    assert first.headers["Location"] == again.headers["Location"]
    assert first.headers["Upload-Offset"] == again.headers["Upload-Offset"] == "4"


@pytest.mark.parametrize(("role", "status"), [("partner", 403), ("pd", 201), ("creator", 201)])
def test_only_roles_that_own_footage_create_uploads(stack: Stack, role: str, status: int) -> None:
    with stack.client(stack.user(f"uploader-{role}-{stack.name}", role)) as client:
        response = client.post("/v1/uploads", headers={**TUS, "Upload-Length": "10"})
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["error"]["code"] == "forbidden"
