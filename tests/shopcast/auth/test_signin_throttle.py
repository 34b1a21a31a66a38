"""Failed sign-ins are capped per account and per address: over a cap even the right password is
refused with 429 and Retry-After, without being checked; parallel guesses count before they finish;
the window passing, or the right password, lifts the cap."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.shopcast.auth.conftest import PASSWORD, PER_ACCOUNT, PER_ADDRESS, WINDOW_S, SigninApp


def _attempt(
    signin_app: SigninApp, name: str, password: str, browser: TestClient | None = None
) -> Any:  # the test client's response
    """One sign-in, from `browser`'s address or a new one."""
    client = browser or signin_app.browser()
    return client.post("/v1/sessions", json={"name": name, "password": password})


def test_an_account_is_capped_whatever_the_address_and_the_window_lifts_it(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    neighbour, _ = signin_app.person()
    for _ in range(PER_ACCOUNT):  # each from a new address: the account's cap is what counts
        assert _attempt(signin_app, name, "wrong-password-guess").status_code == 401
    capped = _attempt(signin_app, name, PASSWORD)
    assert capped.status_code == 429
    assert capped.json()["error"]["code"] == "signin_throttled"
    assert 1 <= int(capped.headers["retry-after"]) <= WINDOW_S
    assert _attempt(signin_app, neighbour, PASSWORD).status_code == 201, "another account is not capped"
    time.sleep(int(capped.headers["retry-after"]) + 0.2)  # the window's oldest failure leaves it
    assert _attempt(signin_app, name, PASSWORD).status_code == 201


def test_an_address_is_capped_across_accounts(signin_app: SigninApp) -> None:
    browser = signin_app.browser()
    names = [signin_app.person()[0] for _ in range(PER_ADDRESS + 1)]
    for name in names[:PER_ADDRESS]:  # one failure each: no account's own cap is reached
        assert _attempt(signin_app, name, "wrong-password-guess", browser).status_code == 401
    assert _attempt(signin_app, names[-1], PASSWORD, browser).status_code == 429
    assert _attempt(signin_app, names[-1], PASSWORD).status_code == 201, "the same person from elsewhere"


def test_the_right_password_clears_the_accounts_failures(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    for _round in range(2):
        for _ in range(PER_ACCOUNT - 1):
            assert _attempt(signin_app, name, "wrong-password-guess").status_code == 401
        assert _attempt(signin_app, name, PASSWORD).status_code == 201


def test_parallel_guesses_cannot_outrun_the_cap(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    transport = httpx.ASGITransport(app=signin_app.app, client=("203.0.113.9", 40000))

    async def guess_all() -> list[int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            guesses = [
                client.post("/v1/sessions", json={"name": name, "password": f"wrong-guess-{n:04}"})
                for n in range(24)
            ]
            return [answer.status_code for answer in await asyncio.gather(*guesses)]

    statuses = asyncio.run(guess_all())
    assert set(statuses) == {401, 429}
    checked = statuses.count(401)
    assert checked <= PER_ACCOUNT + 2, f"{checked} guesses were checked against a cap of {PER_ACCOUNT}"
