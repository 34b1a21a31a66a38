"""The degeneracy checks on machine-made tracks, on the shapes Whisper's failures take (a real
Whisper translation of Korean speech is judged in test_transcriber.py)."""

from __future__ import annotations

from transcode.subtitles.quality import judge, longest_run
from transcode.subtitles.transcriber import Segment, TranscribedWord, Transcript


def _track(
    text: str, start_s: float, end_s: float, logprob: float = -0.3, task: str = "transcribe"
) -> Transcript:
    """One segment whose words share its time evenly."""
    words = text.split()
    step = (end_s - start_s) / max(1, len(words))
    timed = tuple(
        TranscribedWord(f" {w}", start_s + i * step, start_s + (i + 1) * step, 0.9)
        for i, w in enumerate(words)
    )
    segment = Segment(text, start_s, end_s, timed, logprob)
    return Transcript("ko", 0.99, end_s, "translate" if task == "translate" else "transcribe", (segment,))


KOREAN = _track(
    "오늘 소개할 상품은 제주 감귤입니다 한 박스에 19,000원이고 오늘만 20% 할인해 드려요 " * 3, 0, 40
)


def test_a_plain_translation_of_the_whole_speech_is_ok() -> None:
    english = _track(
        "Today we present Jeju tangerines. A box is 19,000 won, and only today it is 20 percent off. "
        "Put it in your cart now and it ships tomorrow. Next is sesame oil with a rich nutty smell.",
        0, 38, task="translate",
    )  # fmt: skip
    assert judge(english, KOREAN).quality == "ok"


def test_one_word_looping_for_a_minute_is_a_draft() -> None:
    english = _track("flat-" * 120, 0, 40, task="translate")
    verdict = judge(english, KOREAN)
    assert verdict.quality == "draft"
    assert any("in a row" in reason for reason in verdict.reasons), verdict


def test_a_sentence_said_again_and_again_is_a_draft() -> None:
    english = _track("I will show you the product now. " * 12, 0, 40, task="translate")
    verdict = judge(english, KOREAN)
    assert verdict.quality == "draft"
    assert any("trigrams" in r or "loop" in r or "in a row" in r for r in verdict.reasons), verdict


def test_one_unrelated_sentence_for_forty_seconds_of_speech_is_a_draft() -> None:
    english = _track("I'm going to make a documentary.", 0, 2.5, task="translate")
    verdict = judge(english, KOREAN)
    assert verdict.reasons == ("covers 6% of the speech",)


def test_low_confidence_and_more_text_than_anyone_says_are_drafts() -> None:
    unsure = _track("Hello everyone, this is the director of the broadcast today.", 0, 10, logprob=-1.4)
    assert judge(unsure).reasons == ("mean log-probability -1.40",)
    dense = _track("word " * 100, 0, 5)
    assert any("characters a second" in r for r in judge(dense).reasons)


def test_longest_run_counts_back_to_back_ngrams_only() -> None:
    assert longest_run(["a", "b", "c", "d"]) == 1
    assert longest_run(["x", "a", "b", "a", "b", "a", "b", "y"]) == 3
    assert longest_run(["the", "cat", "the", "dog", "the", "cat"]) == 1
    assert longest_run(["flat"] * 5000) == 5000  # linear: a long loop is judged at once
