"""A one-time sign-in link signs its person in once, before it expires; its secret travels in the
URL's fragment, which browsers never send."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import update

from shopcast.auth.models import SigninLink
from shopcast.auth.signin import set_password
from shopcast.auth.signin_links import create_signin_link
from shopcast.auth.web_sessions import SESSION_COOKIE
from shopcast.db import transaction, utcnow
from tests.shopcast.auth.conftest import SigninApp


def _link(signin_app: SigninApp, name: str) -> str:
    with transaction(signin_app.runtime.sessions) as session:
        url, expires_at = create_signin_link(session, name, signin_app.runtime.settings)
    ttl = signin_app.runtime.settings.signin_link_ttl_s
    assert timedelta(seconds=ttl - 5) < expires_at - utcnow() <= timedelta(seconds=ttl)
    parts = urlsplit(url)
    assert parts.path == "/web/"
    assert not parts.query
    assert parts.fragment.startswith("link=")
    return parts.fragment.removeprefix("link=")


def test_a_link_signs_in_once(signin_app: SigninApp) -> None:
    name, _token = signin_app.person(password=None)  # links work for people without a password
    secret = _link(signin_app, name)
    browser = signin_app.browser()
    first = browser.post("/v1/sessions", json={"link": secret})
    assert first.status_code == 201
    assert first.json()["user"]["name"] == name
    assert SESSION_COOKIE in browser.cookies
    assert browser.get("/v1/me").json()["name"] == name
    again = signin_app.browser().post("/v1/sessions", json={"link": secret})
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "invalid_link"
    forged = signin_app.browser().post("/v1/sessions", json={"link": secret[:-2] + "AA"})
    assert forged.status_code == 401


def test_an_expired_link_signs_nobody_in(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    secret = _link(signin_app, name)
    with transaction(signin_app.runtime.sessions) as session:
        session.execute(update(SigninLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    answer = signin_app.browser().post("/v1/sessions", json={"link": secret})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_link"


def test_two_tabs_opening_one_link_sign_in_once(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    secret = _link(signin_app, name)
    transport = httpx.ASGITransport(app=signin_app.app, client=("203.0.113.20", 40000))

    async def both() -> list[int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            tabs = [client.post("/v1/sessions", json={"link": secret}) for _ in range(6)]
            return [answer.status_code for answer in await asyncio.gather(*tabs)]

    assert sorted(asyncio.run(both())) == [201, 401, 401, 401, 401, 401]


def test_a_password_reset_voids_the_users_unused_links(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    secret = _link(signin_app, name)
    with transaction(signin_app.runtime.sessions) as session:
        set_password(session, name, "a-reset-password-1")
    answer = signin_app.browser().post("/v1/sessions", json={"link": secret})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_link"
