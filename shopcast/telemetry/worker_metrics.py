"""Metrics that worker processes record, and the HTTP exporter that serves them to Prometheus.

A Celery worker runs its jobs in forked pool processes, so the metrics use prometheus_client's
multiprocess mode (see `shopcast.telemetry.multiprocess`): every process writes its samples to files in
one folder, and the exporter in the worker's main process adds them up on each scrape. In a process
without that mode (the API, tests) they are plain in-process metrics.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = [
    "job_finished",
    "start_exporter",
    "webhook_attempted",
]

_DURATION_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, float("inf"))
_SPEED_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, float("inf"))
_WEBHOOK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, float("inf"))

JOB_SECONDS = Histogram(
    "shopcast_job_duration_seconds",
    "Wall time of job attempts, by kind and outcome (succeeded, failed, retried, lost)",
    ["kind", "outcome"],
    buckets=_DURATION_BUCKETS,
)
JOB_SPEED = Histogram(
    "shopcast_job_speed_ratio",
    "Media seconds processed per wall second (x realtime) of succeeded jobs that report speed",
    ["kind"],
    buckets=_SPEED_BUCKETS,
)
WEBHOOK_SECONDS = Histogram(
    "shopcast_webhook_delivery_seconds",
    "Latency of webhook delivery attempts, by outcome (delivered or failed)",
    ["outcome"],
    buckets=_WEBHOOK_BUCKETS,
)
WEBHOOK_FAILURES = Counter(
    "shopcast_webhook_delivery_failures_total",
    "Webhook delivery attempts that did not get a 2xx answer, by reason",
    ["reason"],
)


def job_finished(kind: str, outcome: str, seconds: float, speed: float | None = None) -> None:
    JOB_SECONDS.labels(kind, outcome).observe(seconds)
    if outcome == "succeeded" and speed is not None and speed > 0:
        JOB_SPEED.labels(kind).observe(speed)


def webhook_attempted(status_code: int | None, seconds: float, error: str | None) -> None:
    delivered = status_code is not None and 200 <= status_code < 300
    WEBHOOK_SECONDS.labels("delivered" if delivered else "failed").observe(seconds)
    if not delivered:
        reason = f"http_{status_code // 100}xx" if status_code is not None else _error_reason(error)
        WEBHOOK_FAILURES.labels(reason).inc()


def _error_reason(error: str | None) -> str:
    if error and error.startswith("refused"):
        return "refused"
    if error and "Timeout" in error:
        return "timeout"
    return "connection"


def start_exporter(host: str, port: int) -> None:
    """Serve the samples of every process of this worker on http://host:port/metrics, in a thread."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    start_http_server(port, addr=host, registry=registry)
