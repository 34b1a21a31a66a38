"""A translator on loopback speaking the LibreTranslate API (`POST /translate`), for the text
translator's client and the subtitles jobs that use it.

It translates from a phrase book: each known Korean phrase in a text becomes its English, in order;
a text with none answers "(no translation)". It records every request, and can be told to fail.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.harness.loopback_http import LoopbackHTTPServer

PHRASES = {
    "제주 감귤": "Jeju tangerines",
    "19,000원": "19,000 won",
    "20%": "20 percent",
    "장바구니": "shopping cart",
    "배송": "delivery",
    "참기름": "sesame oil",
    "딸기잼": "strawberry jam",
}


@dataclass
class Translator:
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_with: int | None = None  # answer this status to every request
    answer_override: bytes | None = None  # answer these bytes (200) instead of translating
    lock: threading.Lock = field(default_factory=threading.Lock)

    def translate(self, text: str) -> str:
        found = sorted((text.find(ko), en) for ko, en in PHRASES.items() if ko in text)
        return " ".join(en for _, en in found) or "(no translation)"


def serve(translator: Translator, api_key: str | None = None) -> LoopbackHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with translator.lock:
                translator.requests.append(body)
            if translator.fail_with is not None:
                return self._answer(translator.fail_with, {"error": "Slowdown: too many requests"})
            if self.path != "/translate":
                return self._answer(404, {"error": "Not Found"})
            if api_key is not None and body.get("api_key") != api_key:
                return self._answer(403, {"error": "Invalid API key"})
            if translator.answer_override is not None:
                return self._raw(200, translator.answer_override)
            q = body["q"]
            texts = [translator.translate(t) for t in q] if isinstance(q, list) else translator.translate(q)
            return self._answer(200, {"translatedText": texts})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            self._raw(status, json.dumps(payload).encode())

        def _raw(self, status: int, raw: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return LoopbackHTTPServer(Handler)
