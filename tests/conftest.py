"""Fixtures shared by every test: generated media and running stacks on both kinds of services."""

from __future__ import annotations

import shutil
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from shopcast.migrations import upgrade
from shopcast.runtime import Runtime, build_runtime
from shopcast.settings import Settings
from tests.harness.media import MediaFactory
from tests.harness.services import AWS_ENV, free_port, moto_s3, postgres_database, redis_url
from tests.harness.stack import Stack, boot, live_ports

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaFactory:
    return MediaFactory(tmp_path_factory.mktemp("media"))


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A migrated embedded setup in the test's own folder, for service-level tests without processes;
    WebRTC on loopback only (docs/architecture.md, Live recording)."""
    settings = Settings(data_dir=tmp_path, webrtc_hosts="127.0.0.1")
    upgrade(settings)
    built = build_runtime(settings)
    yield built
    built.engine.dispose()


@pytest.fixture(scope="session", params=["embedded", "services"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Shopcast on SQLite + local store + filesystem broker, or on PostgreSQL + Redis + moto S3."""
    kind: str = request.param
    data_dir = tmp_path_factory.mktemp(f"stack-{kind}")
    with ExitStack() as resources:
        env: dict[str, str] = {}
        if kind == "services":
            s3 = resources.enter_context(moto_s3())
            env = {
                "SHOPCAST_DATABASE_URL": resources.enter_context(postgres_database()),
                "SHOPCAST_BROKER_URL": redis_url(),
                "SHOPCAST_STORAGE_URL": f"s3://{s3.bucket}/shopcast",
                "SHOPCAST_S3_ENDPOINT_URL": s3.endpoint_url,
                **AWS_ENV,
            }
        # Both stacks take studio encoders (RTMP, SRT) besides WHIP, on ports of their own.
        running = boot(kind, {**env, **live_ports()}, data_dir, free_port())
        try:
            yield running
        finally:
            running.stop_all()
            _keep_logs(data_dir, ARTIFACTS / f"stack-{kind}")


def _keep_logs(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for log in source.glob("*.log"):
        shutil.copyfile(log, target / log.name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test that used a stack carries the tails of its API and worker logs."""
    report = yield
    running = getattr(item, "funcargs", {}).get("stack")
    if report.failed and isinstance(running, Stack):
        for name in ("api", "worker", "rtmp"):
            report.sections.append((f"{running.name} {name}.log (tail)", running.log_tail(name, 60)))
    return report
