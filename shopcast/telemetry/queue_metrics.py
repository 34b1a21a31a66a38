"""Metrics read from the database at scrape time: the job rows are the source of truth for queues.

Every API process reports the same numbers, so dashboards and autoscalers take `max` across them,
never `sum`.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shopcast.db import utcnow
from shopcast.jobs.models import Job, JobState
from shopcast.jobs.registry import QUEUES
from shopcast.webhooks.models import MessageState, WebhookMessage

__all__ = ["QueueCollector"]


class QueueCollector(Collector):
    """Queued and running work per queue, the speed of running jobs, and webhook messages by state."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "shopcast_queue_depth", "Work waiting for a worker, per queue (queued job rows)", labels=["queue"]
        )
        running = GaugeMetricFamily(
            "shopcast_queue_running",
            "Work a worker holds now, per queue (running job rows)",
            labels=["queue"],
        )
        speed = GaugeMetricFamily(
            "shopcast_running_job_speed_ratio",
            "Mean speed (media seconds per wall second) of running jobs that report one, per kind",
            labels=["kind"],
        )
        webhooks = GaugeMetricFamily(
            "shopcast_webhook_messages", "Webhook messages by state", labels=["state"]
        )
        with self.sessions() as session:
            counts = self._per_queue(session)
            for queue in QUEUES:
                depth.add_metric([queue], counts.get((queue, JobState.queued), 0.0))
                running.add_metric([queue], counts.get((queue, JobState.running), 0.0))
            rows = session.execute(
                select(Job.kind, func.avg(Job.speed))
                .where(Job.state == JobState.running, Job.speed.is_not(None))
                .group_by(Job.kind)
            )
            for kind, mean in rows:
                speed.add_metric([kind], float(mean))
            states = dict(
                session.execute(
                    select(WebhookMessage.state, func.count()).group_by(WebhookMessage.state)
                ).all()
            )
            for state in MessageState:
                webhooks.add_metric([state.value], float(states.get(state, 0)))
        yield depth
        yield running
        yield speed
        yield webhooks

    @staticmethod
    def _per_queue(session: Session) -> dict[tuple[str, JobState], float]:
        rows = session.execute(
            select(Job.queue, Job.state, func.count())
            .where(Job.state.in_([JobState.queued, JobState.running]))
            .group_by(Job.queue, Job.state)
        )
        counts = {(queue, state): float(count) for queue, state, count in rows}
        # Webhook deliveries are messages, not job rows: due ones wait on the webhooks queue.
        due = WebhookMessage.state == MessageState.pending, WebhookMessage.next_attempt_at <= utcnow()
        for state, where in (
            (JobState.queued, due),
            (JobState.running, (WebhookMessage.state == "sending",)),
        ):
            count = session.scalar(select(func.count()).select_from(WebhookMessage).where(*where))
            counts[("webhooks", state)] = counts.get(("webhooks", state), 0.0) + float(count or 0)
        return counts
