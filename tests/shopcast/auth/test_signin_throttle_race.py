"""Guesses that reach several API processes at once still count against each other: on PostgreSQL
as on SQLite, of many simultaneous attempts at one account only the cap's worth are let through
to a password check. Each thread records its attempt as a separate process would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from shopcast.auth.signin_throttle import address_key, begin_attempt
from shopcast.errors import RateLimited
from shopcast.migrations import upgrade
from shopcast.runtime import build_runtime
from shopcast.settings import Settings
from tests.harness.services import postgres_database

CAP = 3
GUESSES = 12


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    def make(url: str | None) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
        settings = Settings(data_dir=tmp_path, database_url=url, signin_failures_per_account=CAP)
        upgrade(settings)
        runtime = build_runtime(settings)
        try:
            yield settings, runtime.sessions
        finally:
            runtime.engine.dispose()

    if request.param == "sqlite":
        yield from make(None)
        return
    with postgres_database() as url:
        yield from make(url)


def test_simultaneous_attempts_cannot_outrun_the_account_cap(
    sessions: tuple[Settings, sessionmaker[Session]],
) -> None:
    settings, factory = sessions
    start = threading.Barrier(GUESSES)
    admitted: list[str] = []
    refused: list[int] = []

    def guess(n: int) -> None:
        start.wait()
        try:
            admitted.append(begin_attempt(factory, "target", f"203.0.113.{n}", settings))
        except RateLimited:
            refused.append(n)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(admitted) + len(refused) == GUESSES
    assert len(admitted) == CAP, f"{len(admitted)} attempts were let through to a check"


def test_ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert address_key("198.51.100.7") == "198.51.100.7"
    assert address_key("testclient") == "testclient"
