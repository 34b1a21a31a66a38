"""Request bodies and heads are bounded before anything reads them: against a real API
process, with a made-up token, the answer is 413 and the process's memory does not follow the body."""

from __future__ import annotations

import time

import httpx

from shopcast.ids import new_id
from tests.harness.memory import RssSampler
from tests.harness.stack import Stack
from tests.shopcast.api.raw_http import port_of, send_chunked, send_head

_BODY = 50 * 1024 * 1024
_GROWTH_LIMIT = 50 * 1024 * 1024


def _chunked_head(method: str, path: str, content_type: str) -> str:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer not-a-real-token\r\n"
        f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )


def _api_pid(stack: Stack) -> int:
    return stack.processes["api"].pid


def test_a_chunked_subtitle_file_with_a_bad_token_is_cut_at_its_cap(edge_stack: Stack) -> None:
    sampler = RssSampler(_api_pid(edge_stack))
    head = _chunked_head("PUT", f"/v1/assets/{new_id()}/subtitles/en", "text/vtt")
    answer = send_chunked(port_of(edge_stack.base_url), head, _BODY)
    growth = sampler.stop()
    assert answer.status == 413, answer.head
    assert answer.body_bytes_sent < _BODY
    assert growth < _GROWTH_LIMIT, f"the API grew by {growth / 2**20:.0f} MiB"


def test_a_chunked_json_body_of_spaces_with_a_bad_token_is_cut_at_the_json_cap(edge_stack: Stack) -> None:
    sampler = RssSampler(_api_pid(edge_stack))
    answer = send_chunked(
        port_of(edge_stack.base_url), _chunked_head("POST", "/v1/clips", "application/json"), _BODY
    )
    growth = sampler.stop()
    assert answer.status == 413, answer.head
    assert answer.body_bytes_sent < _BODY
    assert growth < _GROWTH_LIMIT, f"the API grew by {growth / 2**20:.0f} MiB"


def test_a_declared_length_over_the_cap_is_refused_before_the_body_is_sent(edge_stack: Stack) -> None:
    head = (
        "POST /v1/clips HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer not-a-real-token\r\n"
        f"Content-Type: application/json\r\nContent-Length: {600 * 1024 * 1024}\r\n\r\n"
    )
    started = time.monotonic()
    answer = send_head(port_of(edge_stack.base_url), head.encode())
    assert answer is not None
    assert answer.status == 413, answer
    assert "application/json" in answer.head
    assert time.monotonic() - started < 10


def test_json_bodies_under_the_cap_and_large_tus_appends_still_pass(edge_stack: Stack) -> None:
    token = edge_stack.user(f"edge-{new_id()[-8:]}", "creator")
    size = 3 * 1024 * 1024  # over the JSON cap, far under the upload cap
    tus = {"Tus-Resumable": "1.0.0"}
    with edge_stack.client(token) as client:
        created = client.post("/v1/uploads", headers={**tus, "Upload-Length": str(size)})
        assert created.status_code == 201, created.text
        appended = client.patch(
            created.headers["Location"],
            content=b"\0" * size,
            headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        )
        assert appended.status_code == 204, appended.text
        assert appended.headers["Upload-Offset"] == str(size)
        small = client.post("/v1/clips", json={"asset_id": new_id()})
        assert small.status_code in (404, 422), small.text


def test_a_megabyte_request_header_is_refused_by_the_server(edge_stack: Stack) -> None:
    head = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {'a' * 1024 * 1024}\r\n\r\n"
    answer = send_head(port_of(edge_stack.base_url), head.encode())
    # h11 refuses the head once it passes the limit: a 4xx and a closed connection, or just the close
    assert answer is None or 400 <= answer.status < 500, answer
    assert httpx.get(f"{edge_stack.base_url}/healthz", timeout=5).status_code == 200
