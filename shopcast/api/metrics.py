"""Prometheus metrics: HTTP traffic, upload bytes, job counts by kind and state, queue depths.

Workers export their own (job durations and outcomes, speed, webhook deliveries): see
`shopcast.telemetry.worker_metrics`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopcast.jobs.models import Job
from shopcast.telemetry.queue_metrics import QueueCollector


class Metrics:
    """One registry per app, so two apps in one process (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shopcast_http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "shopcast_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.upload_bytes = Counter(
            "shopcast_upload_bytes_total", "Bytes received by tus PATCH", registry=self.registry
        )


class _JobCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("shopcast_jobs", "Jobs by kind and state", labels=["kind", "state"])
        with self.sessions() as session:
            rows = session.execute(select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state))
            for kind, state, count in rows:
                family.add_metric([kind, state.value], float(count))
        yield family


def install_job_collector(metrics: Metrics, sessions: sessionmaker[Session]) -> None:
    metrics.registry.register(_JobCollector(sessions))
    metrics.registry.register(QueueCollector(sessions))


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Callable[[], Metrics]):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics = self.metrics()
            metrics.requests.labels(scope["method"], route, str(status)).inc()
            metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def prometheus(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
