"""The rate limit counts callers, not header spellings: one user's token however its
Authorization header is written shares one bucket, and made-up tokens share their address's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

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
