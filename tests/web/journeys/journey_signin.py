"""People sign in to the pages in Chromium: with a name and password, in either language, or with a
one-time link; the cookie is HttpOnly and out of the page's reach; signing out ends the session; on
the account page a person ends another browser's session and changes their password."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from shopcast.auth.signin_links import create_signin_link
from shopcast.auth.web_sessions import SESSION_COOKIE
from shopcast.db import transaction
from tests.harness.stack import Stack
from tests.web.journeys.browser import PASSWORD, Browser, ready, snapshot


def test_language_switch_and_keyboard_sign_in(web_stack: Stack, browser: Browser) -> None:
    web_stack.user("web-lang-creator", "creator", PASSWORD)
    page = browser.watch(browser.context.new_page())
    page.goto(f"{web_stack.base_url}/web/")
    ready(page)
    page.get_by_label("Language").select_option("ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("로그인")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    ready(page)
    snapshot(page, "signin-ko")
    page.get_by_label("이름").fill("web-lang-creator")
    page.get_by_label("비밀번호").fill("not-the-password")
    page.keyboard.press("Enter")
    expect(page.locator("#page-error")).to_contain_text("이름 또는 비밀번호가 맞지 않습니다")
    expect(page.get_by_label("비밀번호")).to_have_value("")
    page.get_by_label("언어").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    ready(page)
    snapshot(page, "signin")
    page.close()
    signed_in = browser.open_signed_in("web-lang-creator")
    assert signed_in.url.endswith("/web/book")
    expect(signed_in.locator("#whoami")).to_have_text("Signed in as web-lang-creator (creator)")
    # The session is a cookie the page's scripts cannot read.
    cookie = next(c for c in browser.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert SESSION_COOKIE not in signed_in.evaluate("document.cookie")
    # Role-aware navigation: a creator is offered the creator pages, not the partner page.
    nav = signed_in.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Go live")).to_be_visible()
    expect(nav.get_by_role("link", name="Channels")).to_be_hidden()
    signed_in.get_by_label("Language").select_option("ko")
    ready(signed_in)
    expect(signed_in.locator("#whoami")).to_have_text("web-lang-creator(크리에이터)으로 로그인됨")
    expect(nav.get_by_role("link", name="라이브 시작")).to_be_visible()
    snapshot(signed_in, "book-ko")
    assert browser.console_errors == []


def test_a_sign_in_link_works_once_and_signing_out_ends_the_session(
    web_stack: Stack, browser: Browser
) -> None:
    web_stack.user("web-link-pd", "pd")  # no password: the link is how this person gets in
    with transaction(web_stack.runtime.sessions) as session:
        link, _expires_at = create_signin_link(session, "web-link-pd", web_stack.runtime.settings)
    page = browser.watch(browser.context.new_page())
    page.goto(link)
    ready(page)
    assert "#link=" not in page.url, "the secret leaves the address bar and history at once"
    assert not [c for c in browser.context.cookies() if c["name"] == SESSION_COOKIE], (
        "opening a link signs nobody in until the visitor says so"
    )
    snapshot(page, "signin-link")
    page.keyboard.press("Enter")  # the page focused its one button
    page.wait_for_url(f"{web_stack.base_url}/web/assets")
    ready(page)
    expect(page.locator("#whoami")).to_have_text("Signed in as web-link-pd (PD)")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{web_stack.base_url}/web/")
    ready(page)
    assert not [c for c in browser.context.cookies() if c["name"] == SESSION_COOKIE]
    page.goto(f"{web_stack.base_url}/web/assets")
    page.wait_for_url(f"{web_stack.base_url}/web/")  # signed out: back to the sign-in page

    page.goto(link)  # used once already
    ready(page)
    page.get_by_role("button", name="Sign in with this link").click()
    expect(page.locator("#page-error")).to_contain_text("This sign-in link was used already or has expired")
    assert page.url == f"{web_stack.base_url}/web/"
    assert [e for e in browser.console_errors if "401" not in e] == []


def test_a_person_ends_another_browser_and_changes_their_password(web_stack: Stack, browser: Browser) -> None:
    name, new_password = "web-account-creator", "a-new-journey-password"
    web_stack.user(name, "creator", PASSWORD)
    page = browser.open_signed_in(name)
    page.get_by_role("navigation").get_by_role("link", name="Account").click()
    ready(page)
    with httpx.Client(base_url=web_stack.base_url, timeout=30) as elsewhere:
        assert elsewhere.post("/v1/sessions", json={"name": name, "password": PASSWORD}).status_code == 201
        page.reload()
        ready(page)
        sessions = page.locator("#sessions li")
        expect(sessions).to_have_count(2)
        expect(page.locator('#sessions li[data-current="true"]')).to_contain_text("This browser")
        snapshot(page, "account")
        page.locator('#sessions li[data-current="false"]').get_by_role(
            "button", name="Sign out this browser"
        ).click()
        expect(sessions).to_have_count(1)
        assert elsewhere.get("/v1/me").status_code == 401, "the other browser was signed out"

    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-done")).to_be_visible()
    page.reload()
    ready(page)
    expect(page.locator("#whoami")).to_have_text(f"Signed in as {name} (creator)")  # a new session, here
    with httpx.Client(base_url=web_stack.base_url, timeout=30) as other:
        assert other.post("/v1/sessions", json={"name": name, "password": PASSWORD}).status_code == 401
        assert other.post("/v1/sessions", json={"name": name, "password": new_password}).status_code == 201
    assert browser.console_errors == []
