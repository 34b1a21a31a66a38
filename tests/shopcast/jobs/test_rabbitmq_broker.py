"""The same worker runs jobs from RabbitMQ, production's other broker."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.media import MediaFactory
from tests.harness.services import free_port, postgres_database
from tests.harness.stack import Stack, boot
from tests.harness.tus import upload, wait_for_state


def _rabbitmq_listening() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", 5672)) == 0


@pytest.fixture(scope="module")
def rabbit_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not _rabbitmq_listening():
        pytest.skip("RabbitMQ is not listening on 127.0.0.1:5672 on this machine")
    with postgres_database() as database:
        env = {
            "SHOPCAST_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
            "SHOPCAST_DATABASE_URL": database,
        }
        stack = boot("rabbitmq", env, Path(tmp_path_factory.mktemp("rabbit")), free_port())
        try:
            yield stack
        finally:
            stack.stop_all()


def test_upload_is_probed_through_rabbitmq(rabbit_stack: Stack, media: MediaFactory) -> None:
    with rabbit_stack.client(rabbit_stack.user("rabbit-creator", "creator")) as client:
        asset_id = upload(client, media.h264_aac_1080p30())
        asset = wait_for_state(client, asset_id, {"ready", "rejected", "failed"}, timeout=30)
    assert asset["state"] == "ready"
    assert asset["source"]["video_codec"] == "h264"
