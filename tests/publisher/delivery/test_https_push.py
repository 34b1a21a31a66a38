"""HTTPS push: the conformed file is PUT to a loopback receiver, which checks the Standard
Webhooks-style signature with the channel's secret before it accepts the bytes; a first refusal is
retried with the same webhook-id."""

from __future__ import annotations

import base64
import email
import email.message
import email.policy
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.harness.stack import Stack
from tests.publisher.studio import BOTTLE, Studio, create_channel, publish, sha256_hex, wait_settled


@dataclass
class Put:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class SigningReceiver:
    """Answers 503 to the first request, then 201 to any request whose signature verifies (401 else)."""

    secret: str = ""
    refuse_first: bool = True
    accepted: list[Put] = field(default_factory=list)
    rejected: list[Put] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verifies(self, put: Put) -> bool:
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        signed = f"{put.headers['webhook-id']}.{put.headers['webhook-timestamp']}.".encode() + put.body
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        offered = [s.removeprefix("v1,") for s in put.headers["webhook-signature"].split()]
        return any(hmac.compare_digest(expected, s) for s in offered)

    def answer(self, put: Put) -> int:
        with self.lock:
            if self.refuse_first:
                self.refuse_first = False
                self.rejected.append(put)
                return 503
            if not self.verifies(put):
                self.rejected.append(put)
                return 401
            self.accepted.append(put)
            return 201


@pytest.fixture
def receiver() -> Iterator[tuple[SigningReceiver, str]]:
    state = SigningReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            put = Put(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            status = state.answer(put)
            self.send_response(status)
            self.send_header("ETag", f'"{sha256_hex(body)[:16]}"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/drop/shopcast"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_https_push_reaches_a_receiver_that_verifies_the_signature(
    stack: Stack, studio: Studio, receiver: tuple[SigningReceiver, str]
) -> None:
    state, url = receiver
    with stack.client(studio.admin) as admin:
        channel = create_channel(admin, f"push-{stack.name}", "vcommerce", {"type": "https", "url": url}, [])
    state.secret = channel["target"]["secret"]
    assert state.secret.startswith("whsec_")
    with stack.client(studio.admin) as admin:
        assert "secret" not in admin.get(f"/v1/channels/{channel['id']}").json()["target"], "shown once"
    with stack.client(studio.creator) as creator:
        done = wait_settled(creator, publish(creator, studio.clip_id, channel["id"])["id"])
    assert done["state"] == "delivered", done
    assert [r.path for r in state.accepted] == [
        f"/drop/shopcast/{studio.clip_id}.mp4",
        f"/drop/shopcast/{studio.clip_id}.products.json",
    ], "the media, then its product timeline beside it"
    put = state.accepted[0]
    assert sha256_hex(put.body) == done["receipt"]["sha256"]
    assert len(put.body) == done["receipt"]["size"]
    assert done["receipt"]["etag"] == f'"{sha256_hex(put.body)[:16]}"'
    assert [r.headers["webhook-id"] for r in state.rejected] == [put.headers["webhook-id"]], (
        "retry keeps the id"
    )


def test_https_multipart_post_carries_the_file_and_sidecars_under_one_signature(
    stack: Stack, studio: Studio, receiver: tuple[SigningReceiver, str]
) -> None:
    state, url = receiver
    state.refuse_first = False
    small = {"extends": "overseas", "name": "post-720p", "picture": {"width": 1280, "height": 720}}
    target = {"type": "https", "url": url, "method": "POST"}
    with stack.client(studio.admin) as admin:
        channel = create_channel(admin, f"post-{stack.name}", small, target, [])
    state.secret = channel["target"]["secret"]
    with stack.client(studio.creator) as creator:
        done = wait_settled(creator, publish(creator, studio.short_clip_id, channel["id"])["id"])
    assert done["state"] == "delivered", done
    assert len(state.accepted) == 1, "one signed request"
    post = state.accepted[0]
    form = email.message_from_bytes(
        f"Content-Type: {post.headers['content-type']}\r\n\r\n".encode() + post.body, policy=email.policy.HTTP
    )
    parts = {part.get_filename(): _payload(part) for part in form.iter_parts()}
    media = f"{studio.short_clip_id}.mp4"
    timeline = f"{studio.short_clip_id}.products.json"
    assert set(parts) == {media, f"{studio.short_clip_id}.en.srt", f"{studio.short_clip_id}.en.vtt", timeline}
    assert [p["sku"] for p in json.loads(parts[timeline])["products"]] == [BOTTLE["sku"]], "the products"
    assert sha256_hex(parts[media]) == done["receipt"]["sha256"]
    assert parts[f"{studio.short_clip_id}.en.vtt"].startswith(b"WEBVTT")


def _payload(part: email.message.Message) -> bytes:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data
