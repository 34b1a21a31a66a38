"""Restream in /metrics: destinations by push state, and each live destination's bitrate, uptime and
reconnects, as the node that pushes it last wrote them down."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ingest.restream.models import Destination, PushState
from shopcast.db import utcnow

_LABEL = "destination_id"


class _RestreamCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        states = GaugeMetricFamily(
            "shopcast_restream_destinations", "Destinations by state", labels=["state"]
        )
        kbps = GaugeMetricFamily("shopcast_restream_kbps", "Bitrate pushed (kb/s)", labels=[_LABEL])
        uptime = GaugeMetricFamily(
            "shopcast_restream_uptime_seconds", "Since the push connected", labels=[_LABEL]
        )
        reconnects = GaugeMetricFamily(
            "shopcast_restream_reconnects", "Reconnects of the push", labels=[_LABEL]
        )
        now = utcnow()
        with self.sessions() as session:
            by_state = select(Destination.state, func.count()).group_by(Destination.state)
            counts = dict(session.execute(by_state).all())
            for state in PushState:
                states.add_metric([state.value], float(counts.get(state, 0)))
            query = select(Destination.id, Destination.kbps, Destination.live_since, Destination.reconnects)
            for destination_id, rate, since, count in session.execute(
                query.where(Destination.state == PushState.live)
            ):
                kbps.add_metric([destination_id], float(rate or 0.0))
                uptime.add_metric([destination_id], (now - since).total_seconds() if since else 0.0)
                reconnects.add_metric([destination_id], float(count))
        yield from (states, kbps, uptime, reconnects)


def install_restream_collector(registry: CollectorRegistry, sessions: sessionmaker[Session]) -> None:
    registry.register(_RestreamCollector(sessions))
