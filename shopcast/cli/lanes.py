"""The one-box worker layout of `shopcast up`: a lane for short jobs and a lane for long ones.

One worker on every queue let a source's own ladder, loudness and subtitles take both slots while
its `preview` (probe queue) waited, so nothing played for most of a minute. Here the short queues
(probes and previews, webhook deliveries, publication deliveries) have a worker of their own, and
the long ones (ladders, subtitles, renders) another whose slots they never take. The long lane runs
niced: when both lanes want the cores, a probe or a remux gets them within its few seconds of work
instead of sharing them with a dozen x264 threads. Farms keep a worker group per queue (infra/).

With `worker_prefetch_multiplier=1` and late acks (shopcast/celery_app.py) a worker reserves no more
messages than it has slots, and a lane reserves only from its own queues.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from shopcast.jobs.registry import QUEUES
from shopcast.settings import Settings

SHORT_QUEUES = ("probe", "publish", "webhooks")
LONG_QUEUES = ("transcode", "subtitles", "render")

if sorted(SHORT_QUEUES + LONG_QUEUES) != sorted(QUEUES):
    # A queue in neither lane would never be consumed on one box; in both, it would not be a lane.
    raise RuntimeError(f"every queue of {QUEUES} belongs to exactly one one-box lane")


@dataclass(frozen=True)
class Lane:
    """One worker process of the one-box layout."""

    name: str
    queues: tuple[str, ...]
    concurrency: int
    nice: int = 0


def one_box_lanes(settings: Settings) -> tuple[Lane, ...]:
    """The worker processes `shopcast up` runs, in the order it starts them."""
    return (
        Lane("short", SHORT_QUEUES, settings.up_short_concurrency),
        Lane("long", LONG_QUEUES, settings.up_long_concurrency, settings.up_long_nice),
    )


def ready_file(settings: Settings, lane: Lane) -> Path:
    """Where the lane's worker notes that it consumes (the supervisor waits for it)."""
    return settings.resolved_data_dir / "up" / f"{lane.name}.ready"


def worker_argv(settings: Settings, lane: Lane, index: int, node: str) -> list[str]:
    """The command line of the lane's worker. With worker metrics on, lane `index` serves them on
    `worker_metrics_port + index`: two workers cannot share one port."""
    port = settings.worker_metrics_port + index if settings.worker_metrics_port else 0
    return [
        sys.executable, "-m", "shopcast.cli.main", "worker",
        "--queues", ",".join(lane.queues),
        "--concurrency", str(lane.concurrency),
        "--nice", str(lane.nice),
        "--name", node,
        "--metrics-port", str(port),
        "--ready-file", str(ready_file(settings, lane)),
    ]  # fmt: skip
