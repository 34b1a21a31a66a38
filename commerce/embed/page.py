"""The embed page itself: `shopcast/web/templates/embed.html`, in the viewer's language (the mall's
page may say which with `?lang=`, else the browser's preference), with its config as JSON."""

from __future__ import annotations

import json
import pathlib

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

import shopcast.web
from shopcast.web.messages import LANGUAGES, catalogue

_templates = Jinja2Templates(directory=pathlib.Path(shopcast.web.__file__).resolve().parent / "templates")
_KEYS = ("embed.title", "embed.products", "embed.buy", "embed.captions", "embed.unplayable", "embed.jump")


def embed_page(request: Request, config_json: str) -> HTMLResponse:
    language = _language(request)
    messages = catalogue(language)
    texts = {key: messages[key] for key in _KEYS}
    return _templates.TemplateResponse(
        request,
        "embed.html",
        {
            "lang": language,
            "t": texts,
            "config_json": config_json,
            "messages_json": json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c"),
        },
    )


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    preferred = request.headers.get("accept-language", "")
    return "ko" if preferred.lower().startswith("ko") else "en"
