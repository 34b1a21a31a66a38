"""The text translator's client against a real HTTP server on loopback that speaks the LibreTranslate
API: batches, the API key, and every way an answer can be wrong."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopcast.media.cues import Cue
from shopcast.settings import Settings
from tests.harness.libretranslate import Translator, serve
from transcode.subtitles.libretranslate import LibreTranslateEngine, TranslationFailed
from transcode.subtitles.translator import TextTranslator, TranslationRequest


@pytest.fixture
def translator() -> Iterator[tuple[Translator, Settings]]:
    phrase_book = Translator()
    server = serve(phrase_book, api_key="k-123")
    try:
        yield phrase_book, Settings(translate_url=server.base_url + "/", translate_api_key="k-123")
    finally:
        server.close()


def test_texts_go_in_bounded_batches_and_come_back_in_order(translator: tuple[Translator, Settings]) -> None:
    phrase_book, settings = translator
    texts = [f"{i}번 상품은 참기름" if i % 2 else f"{i}번 제주 감귤 19,000원" for i in range(150)]
    out = LibreTranslateEngine(settings).translate_texts(texts, "ko", "en")
    assert out[:3] == ["Jeju tangerines 19,000 won", "sesame oil", "Jeju tangerines 19,000 won"]
    assert len(out) == 150
    sizes = [len(r["q"]) for r in phrase_book.requests]
    assert sizes == [64, 64, 22]
    assert all((r["source"], r["target"], r["format"], r["api_key"]) == ("ko", "en", "text", "k-123")
               for r in phrase_book.requests)  # fmt: skip


def test_cues_are_translated_over_their_own_times_in_the_targets_style(
    translator: tuple[Translator, Settings],
) -> None:
    _, settings = translator
    cues = [
        Cue(1.0, 3.5, ("오늘 소개할 상품은", "제주 감귤입니다.")),
        Cue(4.0, 7.0, ("한 박스에 19,000원,", "장바구니에 담으세요.")),
    ]
    translation = TextTranslator(LibreTranslateEngine(settings)).translate(TranslationRequest("ko", cues))
    assert translation.verdict.quality == "ok"
    assert [(c.start_s, " ".join(c.lines)) for c in translation.cues] == [
        (1.0, "Jeju tangerines"),
        (4.0, "19,000 won shopping cart"),
    ]
    assert all(cue.end_s <= 7.0 and all(len(line) <= 42 for line in cue.lines) for cue in translation.cues)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("status", "answered 429: Slowdown"),
        ("short", "not a list of 2 translated texts"),
        ("not json", "not a list of 2 translated texts"),
        ("huge", "more than 4194304 bytes"),
        ("wrong key", "answered 403: Invalid API key"),
        ("down", "could not be reached: ConnectError"),
    ],
)
def test_a_wrong_answer_fails_the_translation_with_what_went_wrong(
    translator: tuple[Translator, Settings], fault: str, message: str
) -> None:
    phrase_book, settings = translator
    if fault == "status":
        phrase_book.fail_with = 429
    elif fault == "short":
        phrase_book.answer_override = b'{"translatedText": ["one"]}'
    elif fault == "not json":
        phrase_book.answer_override = b"<html>Bad Gateway</html>"
    elif fault == "huge":
        phrase_book.answer_override = b'{"translatedText": ["' + b"a" * (5 * 1024 * 1024) + b'"]}'
    elif fault == "wrong key":
        settings = settings.model_copy(update={"translate_api_key": "guess"})
    elif fault == "down":
        settings = settings.model_copy(update={"translate_url": "http://127.0.0.1:9"})
    with pytest.raises(TranslationFailed, match=message) as failed:
        LibreTranslateEngine(settings).translate_texts(["제주 감귤", "참기름"], "ko", "en")
    assert failed.value.code == "translation_failed"
