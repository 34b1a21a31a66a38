"""An API process alone (no workers) on the embedded defaults, for tests of the HTTP edge."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopcast.migrations import upgrade
from tests.harness.services import free_port
from tests.harness.stack import FAST_JOBS_ENV, Stack


def api_only_stack(name: str, data_dir: Path, env: dict[str, str] | None = None) -> Stack:
    """Migrate, then start the API; the caller stops it (`stop_all`)."""
    port = free_port()
    full_env = {
        **os.environ,
        **FAST_JOBS_ENV,
        "SHOPCAST_DATA_DIR": str(data_dir),
        "SHOPCAST_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    stack = Stack(name=name, env=full_env, base_url=f"http://127.0.0.1:{port}", log_dir=data_dir, workers={})
    upgrade(stack.settings)
    try:
        stack.start_api(port)
    except BaseException:
        stack.stop_all()
        raise
    return stack


@pytest.fixture(scope="package")
def edge_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = api_only_stack("edge", Path(tmp_path_factory.mktemp("edge")))
    try:
        yield stack
    finally:
        stack.stop_all()
