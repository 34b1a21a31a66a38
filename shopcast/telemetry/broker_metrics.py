"""Messages waiting in the broker per queue, beside the job rows' view of the same queues.

The rows are the truth; the broker's length is for spotting the two drifting apart (a lost message
shows as a queued row with an empty list until the sweeper re-sends it). Only Redis is read: its
queues are lists that one LLEN measures. Other brokers report no samples.
"""

from __future__ import annotations

from collections.abc import Iterator

import redis
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shopcast.jobs.registry import QUEUES

__all__ = ["BrokerQueueCollector"]

# kombu's Redis transport keeps each priority step in its own list: "<queue>" for the default, then
# "<queue>\x06\x16<step>" for the others.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


class BrokerQueueCollector(Collector):
    def __init__(self, broker_url: str):
        self.broker_url = broker_url

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "shopcast_broker_queue_length",
            "Messages waiting in the broker per queue (Redis)",
            labels=["queue"],
        )
        if self.broker_url.startswith(("redis://", "rediss://")):
            try:
                for queue, length in self._lengths().items():
                    family.add_metric([queue], float(length))
            except redis.RedisError:
                pass  # a scrape must not fail because the broker is away; the series just pauses
        yield family

    def _lengths(self) -> dict[str, int]:
        client = redis.Redis.from_url(self.broker_url, socket_timeout=1, socket_connect_timeout=1)
        try:
            with client.pipeline(transaction=False) as pipe:
                for queue in QUEUES:
                    for key in _keys(queue):
                        pipe.llen(key)
                counts = iter(pipe.execute())
            return {queue: sum(next(counts) for _ in _keys(queue)) for queue in QUEUES}
        finally:
            client.close()


def _keys(queue: str) -> list[str]:
    return [queue, *(f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS)]
