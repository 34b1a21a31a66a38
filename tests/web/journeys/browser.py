"""Debian's Chromium driven by Playwright, the way the journeys need it: fake camera and microphone,
loopback allowed in WebRTC, nothing fetched in the background, every console error kept, and each
page photographed at desktop and phone width under test-artifacts/web/."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright, Request, ViewportSize
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "journey-password-1"  # every journey's people sign in with it
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "web"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
FLAGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Chromium leaves loopback out of its ICE candidates, and hides host addresses behind mDNS names
    # that the server cannot resolve; the journeys run where loopback is the only interface.
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]

_SIGNIN_PAGES = ("/web/", "/web/?lang=en", "/web/?lang=ko")

# Every form control must be named for a screen reader: by a <label>, aria-label or aria-labelledby.
_UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, textarea, button")]
  .filter((c) => c.offsetParent !== null && c.type !== "hidden")
  .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute("aria-label")
    && !c.getAttribute("aria-labelledby") && !(c.tagName === "BUTTON" && c.textContent.trim()))
  .map((c) => c.id || c.outerHTML.slice(0, 80))"""
_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@dataclass
class Browser:
    """One Chromium profile (a fresh user data dir): its tabs share one session cookie, so one
    signed-in person at a time."""

    context: BrowserContext
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    signed_in_as: str | None = None

    def watch(self, page: Page) -> Page:
        page.on("console", lambda message: self._keep_error(page, message))
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: {error}"))
        page.on("request", lambda request: self._keep_request(request))
        return page

    def _keep_error(self, page: Page, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        signin_page = page.url.removeprefix(self.base_url) in _SIGNIN_PAGES
        if signin_page and "status of 401" in message.text:
            return  # the sign-in page asking whether it is signed in, or a wrong password: expected
        self.console_errors.append(f"{page.url}: {message.text}")

    def _keep_request(self, request: Request) -> None:
        self.requests.append((request.method, request.url.removeprefix(self.base_url)))

    def open_signed_in(self, name: str) -> Page:
        """A new tab on the person's first page: signed in through the sign-in page with the
        keyboard alone (name, Tab, password, Enter), unless this profile already is. Another
        person's session ends first, as when someone else sits down at a shared computer."""
        if self.signed_in_as != name:
            self.context.clear_cookies()
        self.signed_in_as = name
        page = self.watch(self.context.new_page())
        page.goto(f"{self.base_url}/web/")
        ready(page)
        if page.url.endswith("/web/"):
            page.get_by_label("Name").focus()
            page.keyboard.type(name)
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(lambda url: not url.endswith("/web/"))
        ready(page)
        return page


def ready(page: Page, timeout: float = 30_000) -> None:
    """Until the page's module has loaded what it shows (it marks `<body data-ready>`)."""
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=timeout)


_PLAYER_STATE = """(id) => { const v = document.getElementById(id);
  return v && { readyState: v.readyState, networkState: v.networkState, currentTime: v.currentTime,
    paused: v.paused, error: v.error && v.error.message, src: v.dataset.src || v.src,
    videoWidth: v.videoWidth }; }"""


def wait_for_video(page: Page, video_id: str, condition: str, timeout: float = 60_000) -> None:
    """Until `condition` (JS over `v`, the <video>) holds; a timeout says what the element was doing."""
    try:
        check = f"(id) => {{ const v = document.getElementById(id); return Boolean(v && ({condition})); }}"
        page.wait_for_function(check, arg=video_id, timeout=timeout)
    except PlaywrightTimeoutError:
        state = page.evaluate(_PLAYER_STATE, video_id)
        raise AssertionError(f"#{video_id} never had {condition}: {state}") from None


def snapshot(page: Page, name: str) -> None:
    """Screenshots at desktop and phone width; fails if a control has no accessible name or the
    page scrolls sideways on a phone."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert page.evaluate(_UNLABELLED_CONTROLS) == [], f"{name}: controls without a label"
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        assert page.evaluate(_OVERFLOW) <= 0, f"{name}: wider than a phone"
        page.screenshot(path=ARTIFACTS / f"{name}-phone.png", full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


def launch(playwright: Playwright, profile: Path) -> BrowserContext:
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=FLAGS,
        viewport=DESKTOP,
        timezone_id="Asia/Seoul",
        locale="en-US",
        permissions=["camera", "microphone", "clipboard-read", "clipboard-write"],
    )
