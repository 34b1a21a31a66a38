"""A multipart POST's temporary body is written to the worker's scratch space, never beside the media:
with the file store, the media's folder is the publication's prefix in the object store."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from publisher.delivery.https import HttpsTarget
from publisher.delivery.targets import LocalFile
from publisher.publications.plans import DeliveryPlan, OutputFile
from shopcast.settings import Settings
from shopcast.webhooks.signing import new_secret
from tests.harness.loopback_http import LoopbackHTTPServer


class Receiver:
    """Accepts POSTs; notes what the media's folder held while each request was arriving."""

    def __init__(self, watched: Path) -> None:
        self.seen: list[list[str]] = []
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.seen.append(sorted(p.name for p in watched.iterdir()))
                receiver.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                return

        self._http = LoopbackHTTPServer(Handler)
        self.url = self._http.base_url + "/drop"

    def close(self) -> None:
        self._http.close()


@pytest.fixture
def publication_prefix(tmp_path: Path) -> Path:
    folder = tmp_path / "store" / "assets" / "a" / "publications" / "p" / "j"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def receiver(publication_prefix: Path) -> Iterator[Receiver]:
    running = Receiver(publication_prefix)
    yield running
    running.close()


def test_a_multipart_post_leaves_the_publication_prefix_untouched(
    tmp_path: Path, publication_prefix: Path, receiver: Receiver
) -> None:
    media = publication_prefix / "clip.mp4"
    media.write_bytes(b"\x00\x01media" * 1000)
    data = media.read_bytes()
    info = OutputFile(media.name, len(data), hashlib.sha256(data).hexdigest(), "video/mp4")
    plan = DeliveryPlan(
        publication_id="0" * 32,
        target_type="https",
        target={"type": "https", "url": receiver.url, "method": "POST"},
        credentials={"secret": new_secret()},
        prefix="assets/a/publications/p/j",
        files=[info],
        base_name="clip",
    )
    settings = Settings(data_dir=tmp_path / "data", webhook_allow_private=True)
    receipt = HttpsTarget(settings, plan).deliver(LocalFile(media, media.name, info), [])
    assert receipt.sha256 == info.sha256
    assert len(receiver.bodies) == 1
    assert data in receiver.bodies[0], "the media went out in the form"
    assert receiver.seen == [["clip.mp4"]], "nothing but the media in its folder while the body was sent"
    assert sorted(p.name for p in publication_prefix.iterdir()) == ["clip.mp4"]
