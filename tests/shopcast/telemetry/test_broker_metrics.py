"""The broker's own queue lengths, read from a real Redis that kombu filled."""

from __future__ import annotations

import redis
from kombu import Connection, Exchange, Queue

from shopcast.jobs.registry import QUEUES
from shopcast.telemetry.broker_metrics import BrokerQueueCollector
from tests.harness.services import REDIS_HOST

# The database the harness never hands out (it uses 1 to 14), so no running stack shares these lists.
URL = f"redis://{REDIS_HOST}/15"


def _lengths(url: str) -> dict[str, float]:
    (family,) = BrokerQueueCollector(url).collect()
    return {sample.labels["queue"]: sample.value for sample in family.samples}


def test_messages_kombu_left_in_redis_are_counted_per_queue_and_priority() -> None:
    client = redis.Redis.from_url(URL)
    client.flushdb()
    try:
        with Connection(URL) as connection:
            render = Queue("render", Exchange("render", type="direct"), routing_key="render")
            producer = connection.Producer()
            for priority in (0, 0, 5):
                producer.publish({"n": priority}, exchange=render.exchange, routing_key="render",
                                 declare=[render], priority=priority)  # fmt: skip
        lists = [key for key in client.keys("render*") if client.type(key) == b"list"]
        lengths = _lengths(URL)
    finally:
        client.flushdb()
        client.close()
    assert len(lists) == 2, "kombu kept the prioritised message in a list of its own"
    assert set(lengths) == set(QUEUES)
    assert lengths["render"] == 3
    assert lengths["transcode"] == 0


def test_an_unreachable_or_other_broker_reports_no_samples() -> None:
    assert _lengths("redis://127.0.0.1:1/0") == {}
    assert _lengths("filesystem://") == {}
