"""A text engine speaking the LibreTranslate HTTP API (`POST /translate`), which self-hosted
LibreTranslate and compatible services answer.

Texts go in batches (`q` as a list answers `translatedText` as a list, in order). Answers are read
up to a bound, and anything but a well-formed answer of the right length fails the job with
`translation_failed`, so the subtitles job retries and then gives up rather than storing half a track.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from shopcast.errors import ShopcastError
from shopcast.settings import Settings

__all__ = ["LibreTranslateEngine", "TranslationFailed"]

_BATCH_TEXTS = 64
_BATCH_CHARS = 8000
_MAX_ANSWER_BYTES = 4 * 1024 * 1024


class TranslationFailed(ShopcastError):
    status = 502
    default_code = "translation_failed"


class LibreTranslateEngine:
    def __init__(self, settings: Settings) -> None:
        self._url = settings.translate_url.rstrip("/") + "/translate"
        self._api_key = settings.translate_api_key
        self._timeout = settings.translate_timeout_s

    def translate_texts(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        out: list[str] = []
        with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
            for batch in _batches(texts):
                out += self._translate_batch(client, batch, source, target)
        return out

    def _translate_batch(self, client: httpx.Client, batch: list[str], source: str, target: str) -> list[str]:
        body: dict[str, Any] = {"q": batch, "source": source, "target": target, "format": "text"}
        if self._api_key:
            body["api_key"] = self._api_key
        try:
            with client.stream("POST", self._url, json=body) as answer:
                raw = _bounded(answer)
                status = answer.status_code
        except httpx.HTTPError as exc:
            raise TranslationFailed(f"the translator could not be reached: {type(exc).__name__}") from None
        return _translations(status, raw, len(batch))


def _batches(texts: Sequence[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    chars = 0
    for text in texts:
        if batch and (len(batch) >= _BATCH_TEXTS or chars + len(text) > _BATCH_CHARS):
            yield batch
            batch, chars = [], 0
        batch.append(text)
        chars += len(text)
    if batch:
        yield batch


def _bounded(answer: httpx.Response) -> bytes:
    raw = bytearray()
    for chunk in answer.iter_bytes():
        raw += chunk
        if len(raw) > _MAX_ANSWER_BYTES:
            raise TranslationFailed(f"the translator answered more than {_MAX_ANSWER_BYTES} bytes")
    return bytes(raw)


def _translations(status: int, raw: bytes, expected: int) -> list[str]:
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if status != 200:
        said = answer.get("error") if isinstance(answer, dict) else None
        raise TranslationFailed(f"the translator answered {status}: {str(said or '')[:200]}")
    texts = answer.get("translatedText") if isinstance(answer, dict) else None
    if not isinstance(texts, list) or len(texts) != expected or not all(isinstance(t, str) for t in texts):
        raise TranslationFailed(f"the translator's answer is not a list of {expected} translated texts")
    return texts
