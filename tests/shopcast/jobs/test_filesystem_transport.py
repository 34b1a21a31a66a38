"""The embedded broker under a producer and a consumer racing: every message arrives, whole."""

from __future__ import annotations

import threading
from pathlib import Path

from kombu import Connection, Exchange, Queue

from shopcast.jobs import filesystem_transport


def _connection(folder: Path) -> Connection:
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(folder)}
    return Connection("filesystem://", transport_options={**options, "polling_interval": 0})


def test_a_polling_consumer_never_reads_a_message_before_it_is_written(tmp_path: Path) -> None:
    filesystem_transport.install()
    queue = Queue("race", Exchange("race", type="direct"), routing_key="race")
    count = 1500
    body = {"payload": "x" * 20_000}  # big enough that writing it takes a while

    def produce() -> None:
        with _connection(tmp_path) as connection:
            producer = connection.Producer()
            for n in range(count):
                message = {**body, "n": n}
                producer.publish(message, exchange=queue.exchange, routing_key="race", declare=[queue])

    received: list[int] = []
    with _connection(tmp_path) as connection:
        assert type(connection.transport).__module__ == filesystem_transport.__name__
        simple = connection.SimpleQueue("race")  # the same direct exchange and routing key as `queue`
        producer = threading.Thread(target=produce)
        producer.start()
        while len(received) < count:
            message = simple.get(timeout=30)
            assert message.payload["payload"] == body["payload"]
            received.append(message.payload["n"])
            message.ack()
        producer.join()
    assert sorted(received) == list(range(count))
