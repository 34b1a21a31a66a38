"""A stack whose upload lock goes stale in 2 s, so that tests of stalled PATCHes wait seconds, not
the production 30 s; and whose PATCHes wait 5 s for a held lock, as in production."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.conftest import ARTIFACTS
from tests.harness.services import AWS_ENV, free_port, moto_s3, postgres_database, redis_url
from tests.harness.stack import Stack, boot

SHORT_LOCK_ENV = {"SHOPCAST_UPLOAD_LOCK_STALE_S": "2", "SHOPCAST_UPLOAD_LOCK_WAIT_S": "5"}


@pytest.fixture(scope="module", params=["embedded", "services"])
def short_lock_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Like the `stack` fixture (SQLite + local store, or PostgreSQL + Redis + moto S3), with
    SHORT_LOCK_ENV; only a probe worker, since these tests never get past the probe."""
    kind: str = request.param
    data_dir = tmp_path_factory.mktemp(f"short-lock-{kind}")
    with ExitStack() as resources:
        env = dict(SHORT_LOCK_ENV)
        if kind == "services":
            s3 = resources.enter_context(moto_s3())
            env |= {
                "SHOPCAST_DATABASE_URL": resources.enter_context(postgres_database()),
                "SHOPCAST_BROKER_URL": redis_url(),
                "SHOPCAST_STORAGE_URL": f"s3://{s3.bucket}/shopcast",
                "SHOPCAST_S3_ENDPOINT_URL": s3.endpoint_url,
                **AWS_ENV,
            }
        running = boot(f"short-lock-{kind}", env, data_dir, free_port(), workers={"prober": ("probe", 1)})
        try:
            yield running
        finally:
            running.stop_all()
            kept = ARTIFACTS / f"short-lock-{kind}"
            kept.mkdir(parents=True, exist_ok=True)
            for log in data_dir.glob("*.log"):
                shutil.copyfile(log, kept / log.name)
