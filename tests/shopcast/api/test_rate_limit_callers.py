"""The rate limit counts callers, not header spellings: one user's token however its
Authorization header is written shares one bucket, each signed-in person's cookie has its own, and
made-up tokens and cookies share their address's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from shopcast.auth.models import User
from shopcast.auth.web_sessions import SESSION_COOKIE, start_session
from shopcast.db import transaction
from tests.harness.stack import Stack
from tests.shopcast.api.conftest import api_only_stack

_BURST = 4


@pytest.fixture(scope="module")
def limited_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # One request a minute refills nothing a test would notice: the burst is all a caller has.
    env = {"SHOPCAST_RATE_LIMIT_PER_MINUTE": "1", "SHOPCAST_RATE_LIMIT_BURST": str(_BURST)}
    stack = api_only_stack("limited", Path(tmp_path_factory.mktemp("limited")), env)
    try:
        yield stack
    finally:
        stack.stop_all()


def _statuses(stack: Stack, authorizations: list[str]) -> list[int]:
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        return [client.get("/v1/me", headers={"Authorization": a}).status_code for a in authorizations]


def test_one_token_spelled_many_ways_is_one_caller(limited_stack: Stack) -> None:
    token = limited_stack.user("spellings", "creator")
    spellings = [f"Bearer {token}", f"bearer {token}", f"BEARER {token}", f"Bearer  {token}"]
    statuses = _statuses(limited_stack, [*spellings, f"bEaReR {token}", f"Bearer {token}"])
    assert statuses[:_BURST] == [200] * _BURST
    assert statuses[_BURST:] == [429, 429]
    other = limited_stack.user("another-user", "creator")
    assert _statuses(limited_stack, [f"Bearer {other}"]) == [200]  # a bucket per user, not per address


def test_made_up_tokens_share_the_address_bucket(limited_stack: Stack) -> None:
    made_up = [f"Bearer made-up-{n}" for n in range(_BURST + 3)]
    statuses = _statuses(limited_stack, made_up)
    assert statuses[:_BURST] == [401] * _BURST
    assert set(statuses[_BURST:]) == {429}
    assert _statuses(limited_stack, ["Basic dXNlcjpwYXNz", ""]) == [429, 429]
    valid = limited_stack.user("still-served", "creator")
    assert _statuses(limited_stack, [f"Bearer {valid}"]) == [200]


def _session_of(stack: Stack, name: str) -> str:
    """A signed-in browser's cookie for a new user, made in the database: signing in through the
    API would itself spend the address's bucket."""
    stack.user(name, "pd")
    with transaction(stack.runtime.sessions) as session:
        user_id = session.scalar(select(User.id).where(User.name == name))
        assert user_id is not None
        secret, _row = start_session(session, user_id, stack.settings, "127.0.0.1", "test")
    return secret


def test_each_signed_in_person_has_a_bucket_of_their_own(limited_stack: Stack) -> None:
    first, second = _session_of(limited_stack, "cookie-one"), _session_of(limited_stack, "cookie-two")

    def statuses(secret: str, n: int) -> list[int]:
        with httpx.Client(base_url=limited_stack.base_url, timeout=30) as browser:
            browser.cookies.set(SESSION_COOKIE, secret)
            return [browser.get("/v1/me").status_code for _ in range(n)]

    assert statuses(first, _BURST + 1) == [200] * _BURST + [429]
    # the same address, another person: not the first one's bucket, nor the address's
    assert statuses(second, 1) == [200]
    made_up = [f"{SESSION_COOKIE}=made-up-{n}" for n in range(_BURST + 2)]
    with httpx.Client(base_url=limited_stack.base_url, timeout=30) as client:
        forged = [client.get("/v1/me", headers={"Cookie": c}).status_code for c in made_up]
    assert set(forged[_BURST:]) == {429}, "made-up cookies share the address's bucket"
