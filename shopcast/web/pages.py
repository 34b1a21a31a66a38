"""The page routes: each renders a server-side shell in the caller's language; the page's module
then signs the visitor in from sessionStorage and talks to `/v1` like any other client."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from shopcast.api.routes import Id
from shopcast.web.messages import LANGUAGES, catalogue

_HERE = pathlib.Path(__file__).resolve().parent
_LANG_COOKIE = "shopcast_lang"
_templates = Jinja2Templates(directory=_HERE / "templates")


@dataclass(frozen=True)
class Page:
    path: str
    template: str
    title: str  # a message key
    roles: tuple[str, ...]  # who the navigation offers it to; the API decides what they may do


PAGES = (
    Page("/web/", "signin.html", "signin.title", ()),
    Page("/web/book", "book.html", "book.title", ("creator",)),
    Page("/web/live", "live.html", "live.title", ("creator",)),
    Page("/web/upload", "upload.html", "upload.title", ("creator",)),
    Page("/web/assets", "assets.html", "assets.title", ("creator", "pd", "admin")),
    Page("/web/partner", "partner.html", "partner.title", ("partner", "admin")),
    Page("/web/account", "account.html", "account.title", ()),
)
_ASSET_PAGE = Page("/web/assets/{asset_id}", "asset.html", "asset.title", ("creator", "pd", "admin"))
NAVIGATION = [
    ("nav.book", "/web/book", ("creator",)),
    ("nav.live", "/web/live", ("creator",)),
    ("nav.upload", "/web/upload", ("creator",)),
    ("nav.assets", "/web/assets", ("creator", "pd", "admin")),
    ("nav.partner", "/web/partner", ("partner", "admin")),
    ("nav.account", "/web/account", ("creator", "pd", "partner", "admin")),
]

LangParam = Annotated[str | None, Query(pattern=r"^[a-z]{2}$")]


def _language(request: Request, asked: str | None) -> str:
    """The `?lang=` just chosen, else the remembered choice, else the browser's preference."""
    for candidate in (asked, request.cookies.get(_LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    preferred = request.headers.get("accept-language", "")
    return "ko" if preferred.lower().startswith("ko") else "en"


def _render(request: Request, page: Page, asked: str | None, **context: str) -> HTMLResponse:
    language = _language(request, asked)
    messages = catalogue(language)
    response = _templates.TemplateResponse(
        request,
        page.template,
        {
            "lang": language,
            "languages": LANGUAGES,
            "t": lambda key, **values: messages[key].format(**values),
            "title": messages[page.title],
            "roles": " ".join(page.roles),
            "navigation": NAVIGATION,
            "messages_json": json.dumps(messages, ensure_ascii=False),
            "path": request.url.path,
            **context,
        },
    )
    if asked in LANGUAGES:
        response.set_cookie(_LANG_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


def _page_route(page: Page) -> Callable[[Request, str | None], HTMLResponse]:
    def show(request: Request, lang: LangParam = None) -> HTMLResponse:
        return _render(request, page, lang)

    show.__name__ = f"page_{page.template.removesuffix('.html')}"
    return show


def _build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/web/", status_code=307)

    for page in PAGES:
        router.add_api_route(page.path, _page_route(page), methods=["GET"], response_class=HTMLResponse)

    @router.get(_ASSET_PAGE.path, response_class=HTMLResponse)
    def asset_page(request: Request, asset_id: Id, lang: LangParam = None) -> HTMLResponse:
        return _render(request, _ASSET_PAGE, lang, asset_id=asset_id)

    return router


def mount_web(app: FastAPI) -> None:
    """Serve the pages under `/web/` (and `/` redirecting there) and their scripts under `/web/static`."""
    app.include_router(_build_router())
    app.mount("/web/static", StaticFiles(directory=_HERE / "static"), name="web-static")
