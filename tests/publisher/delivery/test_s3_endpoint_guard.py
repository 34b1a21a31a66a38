"""An S3 target's endpoint is vetted at every delivery, not only when the channel was saved: a name
that (now) resolves to loopback is refused before any connection, unless private addresses are
allowed, in which case the same delivery does reach the listener."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.delivery.s3 import S3Target
from publisher.delivery.targets import DeliveryFailed, LocalFile
from publisher.publications.plans import DeliveryPlan, OutputFile
from shopcast.settings import Settings


class Listener:
    """A loopback TCP server that counts connections and closes each at once."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.server.close()
        self._thread.join(timeout=5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


def _deliver(settings: Settings, port: int, media: Path) -> None:
    data = media.read_bytes()
    info = OutputFile(media.name, len(data), hashlib.sha256(data).hexdigest(), "video/mp4")
    plan = DeliveryPlan(
        publication_id="0" * 32,
        target_type="s3",
        target={
            "type": "s3",
            "bucket": "partner",
            "prefix": "",
            "region": "us-east-1",
            "endpoint_url": f"http://localhost:{port}",
            "access_key_id": "testing",
        },
        credentials={"secret_access_key": "testing-secret"},
        prefix="assets/a/publications/p/j",
        files=[info],
        base_name="clip",
    )
    S3Target(settings, plan).deliver(LocalFile(media, media.name, info), [])


def test_an_endpoint_that_resolves_to_loopback_is_refused_at_delivery(
    tmp_path: Path, listener: Listener
) -> None:
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"\0" * 1024)
    guarded = Settings(data_dir=tmp_path, webhook_allow_private=False)
    with pytest.raises(DeliveryFailed, match=r"refused: localhost leads to (127\.0\.0\.1|::1)"):
        _deliver(guarded, listener.port, media)
    assert listener.connections == 0, "nothing was sent to the private address"

    allowed = Settings(data_dir=tmp_path, webhook_allow_private=True)
    with pytest.raises(DeliveryFailed) as failed:
        _deliver(allowed, listener.port, media)
    assert "refused" not in str(failed.value)
    assert listener.connections >= 1, "with private addresses allowed the delivery goes out"
