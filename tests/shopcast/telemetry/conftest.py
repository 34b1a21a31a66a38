"""An API and a worker in JSON-log mode, the worker exporting metrics; no worker on `subtitles`, so
every upload with sound leaves one job waiting there (a queue depth the tests can predict)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopcast.migrations import upgrade
from tests.harness.services import free_port
from tests.harness.stack import FAST_JOBS_ENV, Stack

OPS_QUEUES = "probe,transcode,render,publish,webhooks"


class OpsStack(Stack):
    worker_metrics_url: str = ""


@pytest.fixture(scope="package")
def ops_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpsStack]:
    data_dir = Path(tmp_path_factory.mktemp("ops"))
    port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        **FAST_JOBS_ENV,
        "SHOPCAST_DATA_DIR": str(data_dir),
        "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SHOPCAST_LOG_FORMAT": "json",
    }
    stack = OpsStack(name="ops", env=env, base_url=f"http://127.0.0.1:{port}", log_dir=data_dir)
    upgrade(stack.settings)
    try:
        stack.start_api(port)
        stack.start_worker("worker", OPS_QUEUES, 2, env={"SHOPCAST_WORKER_METRICS_PORT": str(metrics_port)})
        stack.wait_worker_ready("worker")
        stack.worker_metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        yield stack
    finally:
        stack.stop_all()
