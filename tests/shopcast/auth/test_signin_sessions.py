"""People sign in with a name and password and get a session cookie: HttpOnly, SameSite=Lax,
Secure over HTTPS; changes need the session's CSRF token; sessions expire, go idle, are signed out
and are revoked by a password change (the changing browser gets a new one), and a header's token is
judged on its own."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from shopcast.api.ratelimit import TokenOwners
from shopcast.auth.models import User, WebSession
from shopcast.auth.service import hash_token
from shopcast.auth.web_sessions import SESSION_COOKIE, forget_ended
from shopcast.db import transaction, utcnow
from tests.shopcast.auth.conftest import PASSWORD, SigninApp


def _sign_in(browser: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    answer = browser.post("/v1/sessions", json={"name": name, "password": password})
    assert answer.status_code == 201, answer.text
    body: dict[str, str] = answer.json()
    return body


def _cookie_attributes(set_cookie: str) -> dict[str, str]:
    parts = [part.strip() for part in set_cookie.split(";")]
    return {key.lower(): value for key, _, value in (part.partition("=") for part in parts[1:])}


def test_a_password_sign_in_sets_a_locked_down_cookie_that_signs_the_pages_in(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    browser = signin_app.browser()
    answer = browser.post("/v1/sessions", json={"name": name, "password": PASSWORD})
    assert answer.status_code == 201
    assert answer.json()["user"]["name"] == name
    attributes = _cookie_attributes(answer.headers["set-cookie"])
    assert answer.headers["set-cookie"].startswith(f"{SESSION_COOKIE}=")
    assert {"httponly", "path", "samesite", "max-age"} <= attributes.keys()
    assert attributes["samesite"].lower() == "lax"
    assert attributes["path"] == "/"
    assert int(attributes["max-age"]) == signin_app.runtime.settings.web_session_ttl_s
    assert "secure" not in attributes, "plain HTTP on loopback: a Secure cookie would never come back"
    assert browser.get("/v1/me").json()["name"] == name
    assert browser.get("/v1/sessions/current").json()["csrf_token"] == answer.json()["csrf_token"]

    over_https = signin_app.browser("https://shop.test")
    served = over_https.post("/v1/sessions", json={"name": name, "password": PASSWORD})
    assert "secure" in _cookie_attributes(served.headers["set-cookie"])
    assert over_https.get("/v1/me").status_code == 200


def test_the_password_is_stored_as_an_argon2id_hash(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    with signin_app.runtime.sessions() as session:
        stored = session.scalar(select(User.password_hash).where(User.name == name))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    wrong = signin_app.browser().post("/v1/sessions", json={"name": name, "password": "not-it-at-all"})
    unknown = signin_app.browser().post("/v1/sessions", json={"name": "nobody-here", "password": PASSWORD})
    no_password_set, _ = signin_app.person(password=None)
    unset = signin_app.browser().post("/v1/sessions", json={"name": no_password_set, "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == unset.status_code == 401
    assert wrong.json() == unknown.json() == unset.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"
    assert "set-cookie" not in wrong.headers


def test_changes_by_cookie_need_the_csrf_token(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    browser = signin_app.browser()
    csrf = _sign_in(browser, name)["csrf_token"]
    forged = browser.delete("/v1/sessions/current")
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf_failed"
    flipped = csrf[:-1] + ("1" if csrf.endswith("0") else "0")  # one hex digit off, never the same
    wrong = browser.delete("/v1/sessions/current", headers={"X-CSRF-Token": flipped})
    assert wrong.status_code == 403
    assert browser.get("/v1/me").status_code == 200, "a refused change must leave the session working"
    assert browser.delete("/v1/sessions/current", headers={"X-CSRF-Token": csrf}).status_code == 204


def test_another_sites_page_cannot_sign_its_visitor_in(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    browser = signin_app.browser()
    answer = browser.post(
        "/v1/sessions", json={"name": name, "password": PASSWORD}, headers={"Origin": "https://evil.test"}
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "cross_origin"
    assert "set-cookie" not in answer.headers
    form = browser.post(
        "/v1/sessions",
        content=f"name={name}&password={PASSWORD}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 422, "only JSON, which another site cannot send without CORS"
    same = browser.post(
        "/v1/sessions", json={"name": name, "password": PASSWORD}, headers={"Origin": "http://testserver"}
    )
    assert same.status_code == 201


def test_signing_out_ends_the_session_even_for_a_copied_cookie(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    browser = signin_app.browser()
    csrf = _sign_in(browser, name)["csrf_token"]
    secret = browser.cookies[SESSION_COOKIE]
    signed_out = browser.delete("/v1/sessions/current", headers={"X-CSRF-Token": csrf})
    assert signed_out.status_code == 204
    assert (
        'shopcast_session=""' in signed_out.headers["set-cookie"]
        or "Max-Age=0" in signed_out.headers["set-cookie"]
    )
    copy = signin_app.browser()
    copy.cookies.set(SESSION_COOKIE, secret)
    refused = copy.get("/v1/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "session_ended"


def _age(signin_app: SigninApp, browser: TestClient, **columns: object) -> None:
    session_id = browser.get("/v1/sessions/current").json()["id"]
    with transaction(signin_app.runtime.sessions) as session:
        session.execute(update(WebSession).where(WebSession.id == session_id).values(**columns))


def test_a_session_ends_at_its_expiry_and_after_idling(signin_app: SigninApp) -> None:
    settings = signin_app.runtime.settings
    name, _token = signin_app.person()
    expired, idle, busy = signin_app.browser(), signin_app.browser(), signin_app.browser()
    for browser in (expired, idle, busy):
        _sign_in(browser, name)
    _age(signin_app, expired, expires_at=utcnow() - timedelta(seconds=1))
    _age(signin_app, idle, last_seen_at=utcnow() - timedelta(seconds=settings.web_session_idle_s + 1))
    # in use a minute ago: the request records it, so it does not idle out
    _age(signin_app, busy, last_seen_at=utcnow() - timedelta(seconds=settings.web_session_idle_s - 30))
    assert expired.get("/v1/me").status_code == 401
    assert idle.get("/v1/me").status_code == 401
    assert busy.get("/v1/me").status_code == 200
    busy_id = busy.get("/v1/sessions/current").json()["id"]
    with signin_app.runtime.sessions() as session:
        seen = session.scalar(select(WebSession.last_seen_at).where(WebSession.id == busy_id))
    assert seen is not None
    assert utcnow() - seen < timedelta(seconds=30), "the request was not recorded"


def test_an_authorization_header_is_judged_alone(signin_app: SigninApp) -> None:
    name, token = signin_app.person()
    other_name, other_token = signin_app.person()
    browser = signin_app.browser()
    _sign_in(browser, name)
    assert browser.get("/v1/me", headers={"Authorization": "Bearer sc_made_up"}).status_code == 401
    as_other = browser.get("/v1/me", headers={"Authorization": f"Bearer {other_token}"})
    assert as_other.json()["name"] == other_name
    # a program's change needs no CSRF token, and has no session of its own
    program = signin_app.browser()
    assert (
        program.get("/v1/sessions/current", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    )


def test_a_person_lists_and_ends_their_own_sessions_only(signin_app: SigninApp) -> None:
    name, token = signin_app.person()
    _other, other_token = signin_app.person()
    laptop, phone = signin_app.browser(), signin_app.browser()
    laptop_csrf = _sign_in(laptop, name)["csrf_token"]
    phone_id = _sign_in(phone, name)["id"]
    listed = laptop.get("/v1/sessions").json()["items"]
    assert {item["id"] for item in listed} >= {phone_id}
    assert [item["current"] for item in listed].count(True) == 1
    stranger = signin_app.browser()
    assert (
        stranger.delete(
            f"/v1/sessions/{phone_id}", headers={"Authorization": f"Bearer {other_token}"}
        ).status_code
        == 404
    )
    assert phone.get("/v1/me").status_code == 200
    ended = laptop.delete(f"/v1/sessions/{phone_id}", headers={"X-CSRF-Token": laptop_csrf})
    assert ended.status_code == 204
    assert phone.get("/v1/me").status_code == 401
    assert laptop.get("/v1/me").status_code == 200
    assert signin_app.browser().get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_password_change_ends_the_other_sessions_and_the_old_password(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    here, elsewhere = signin_app.browser(), signin_app.browser()
    csrf = _sign_in(here, name)["csrf_token"]
    _sign_in(elsewhere, name)
    headers = {"X-CSRF-Token": csrf}
    wrong = here.put(
        "/v1/me/password",
        json={"current_password": "not-it-at-all", "new_password": "x" * 12},
        headers=headers,
    )
    assert wrong.status_code == 401
    weak = here.put(
        "/v1/me/password", json={"current_password": PASSWORD, "new_password": "short"}, headers=headers
    )
    assert weak.status_code == 422
    new = "a-brand-new-password"
    old_secret = here.cookies[SESSION_COOKIE]
    changed = here.put(
        "/v1/me/password", json={"current_password": PASSWORD, "new_password": new}, headers=headers
    )
    assert changed.status_code == 204
    assert here.get("/v1/me").status_code == 200, "the browser that changed it has a new session"
    assert here.cookies[SESSION_COOKIE] != old_secret
    assert here.get("/v1/sessions/current").json()["csrf_token"] != csrf
    copy = signin_app.browser()
    copy.cookies.set(SESSION_COOKIE, old_secret)
    assert copy.get("/v1/me").status_code == 401, "a copy of the old cookie died with the change"
    assert elsewhere.get("/v1/me").status_code == 401
    old = signin_app.browser().post("/v1/sessions", json={"name": name, "password": PASSWORD})
    assert old.status_code == 401
    _sign_in(signin_app.browser(), name, new)


def test_every_kind_of_change_by_cookie_needs_the_token_and_a_programs_needs_none(
    signin_app: SigninApp,
) -> None:
    name, token = signin_app.person()
    browser = signin_app.browser()
    _sign_in(browser, name)
    change = {"current_password": PASSWORD, "new_password": "another-password-1"}
    tus = {"Tus-Resumable": "1.0.0", "Upload-Length": "10"}
    for refused in (
        browser.put("/v1/me/password", json=change),
        browser.post("/v1/uploads", headers=tus),
        browser.post("/v1/clips", json={}),
    ):
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "csrf_failed"
    program = signin_app.browser()
    changed = program.put("/v1/me/password", json=change, headers={"Authorization": f"Bearer {token}"})
    assert changed.status_code == 204, changed.text
    assert browser.get("/v1/me").status_code == 401, "the change ended the browser's session"


def test_only_a_live_session_is_a_caller_of_its_own_for_the_rate_limit(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    live, ended = signin_app.browser(), signin_app.browser()
    _sign_in(live, name)
    user_id = live.get("/v1/me").json()["id"]
    ended_csrf = _sign_in(ended, name)["csrf_token"]
    ended_secret = ended.cookies[SESSION_COOKIE]
    assert ended.delete("/v1/sessions/current", headers={"X-CSRF-Token": ended_csrf}).status_code == 204
    owners = TokenOwners.in_database(signin_app.runtime.sessions)
    assert owners.lookup(hash_token(live.cookies[SESSION_COOKIE])) == user_id
    assert owners.lookup(hash_token(ended_secret)) is None, "a signed-out cookie counts as its address"


def test_ended_sessions_and_links_are_forgotten_a_day_later(signin_app: SigninApp) -> None:
    name, _token = signin_app.person()
    old, recent = signin_app.browser(), signin_app.browser()
    _sign_in(old, name)
    _sign_in(recent, name)
    _age(signin_app, old, expires_at=utcnow() - timedelta(days=1, seconds=1))
    _age(signin_app, recent, expires_at=utcnow() - timedelta(seconds=1))
    with transaction(signin_app.runtime.sessions) as session:
        forget_ended(session, signin_app.runtime.settings)
    with signin_app.runtime.sessions() as session:
        left = session.scalars(
            select(WebSession.id).where(
                WebSession.user_id == session.scalar(select(User.id).where(User.name == name))
            )
        ).all()
    assert len(left) == 1, "the session that ended a day ago is gone; the one that just ended stays"
