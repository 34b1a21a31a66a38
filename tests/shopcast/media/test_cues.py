"""Cue segmentation from word timings against the subtitle style table, in Korean and English."""

from __future__ import annotations

import itertools
import re

import pytest

from shopcast.media.cues import (
    MAX_DURATION_S,
    MIN_DURATION_S,
    MIN_GAP_S,
    STYLES,
    Cue,
    CueWord,
    Style,
    segment_cues,
    style_for,
)

TOLERANCE = 1e-9

# A host opening a knitwear segment, timed by hand at about six syllables a second.
KOREAN_SHOW = """
안녕하세요 0.40 1.20
여러분! 1.28 1.75
오늘 2.20 2.50
소개해 2.55 3.00
드릴 3.04 3.34
상품은 3.40 3.86
겨울용 3.95 4.42
니트입니다. 4.48 5.30
정말 5.80 6.10
부드럽고 6.16 6.78
가벼워서 6.84 7.45
하루 7.60 7.90
종일 7.95 8.28
입어도 8.33 8.78
편안해요. 8.84 9.60
색상은 10.20 10.66
네 10.72 10.88
가지가 10.92 11.38
있고요, 11.44 11.95
지금 12.30 12.60
방송 12.66 12.98
중에만 13.04 13.50
삼만 13.60 13.95
구천 14.00 14.32
원에 14.38 14.70
드립니다. 14.76 15.50
수량이 16.10 16.55
많지 16.60 16.90
않으니까 16.95 17.55
서둘러 17.70 18.15
주세요! 18.20 18.90
"""

# The same segment presented in English, as Whisper gives it: words with a leading space.
ENGLISH_SHOW = """
Hello 0.30 0.62
everyone, 0.66 1.10
and 1.30 1.42
welcome 1.46 1.80
back 1.84 2.02
to 2.06 2.14
the 2.16 2.24
show. 2.28 2.70
Today 3.20 3.52
we're 3.56 3.74
introducing 3.78 4.40
a 4.44 4.50
warm 4.54 4.80
winter 4.84 5.14
knit 5.18 5.40
sweater 5.44 5.86
you're 5.90 6.08
going 6.12 6.30
to 6.34 6.40
love. 6.44 6.90
It's 7.40 7.58
soft, 7.62 8.00
light 8.20 8.50
and 8.54 8.64
machine 8.68 9.02
washable. 9.06 9.70
It 10.20 10.28
comes 10.32 10.60
in 10.64 10.72
four 10.76 11.00
colours, 11.04 11.60
and 11.80 11.92
for 11.96 12.10
the 12.14 12.20
next 12.24 12.46
hour 12.50 12.72
it's 12.76 12.94
only 12.98 13.24
twenty-nine 13.28 13.90
dollars. 13.94 14.60
So 15.20 15.36
grab 15.40 15.62
yours 15.66 15.90
now! 15.94 16.40
"""


def parse_timings(table: str, leading_space: bool = False) -> list[CueWord]:
    words = []
    for row in table.strip().splitlines():
        text, start, end = row.split()
        words.append(CueWord(f" {text}" if leading_space else text, float(start), float(end)))
    return words


def speak(text: str, seconds_per_char: float, start: float = 0.5) -> list[CueWord]:
    """CueWord timings for a script read at an even pace, pausing at commas and full stops."""
    words = []
    clock = start
    for text_word in text.split():
        duration = max(0.12, len(text_word) * seconds_per_char)
        words.append(CueWord(f" {text_word}", clock, clock + duration))
        clock += duration + (0.55 if text_word[-1] in ".?!" else 0.3 if text_word[-1] == "," else 0.06)
    return words


def cue_words(cues: list[Cue]) -> list[str]:
    return " ".join(" ".join(cue.lines) for cue in cues).split()


def assert_follows_style(cues: list[Cue], words: list[CueWord], style: Style) -> None:
    """Every limit of the style table, and every word whole, once, in order."""
    assert cue_words(cues) == [word.text.strip() for word in words]
    for index, cue in enumerate(cues):
        assert 1 <= len(cue.lines) <= style.max_lines, cue
        for line in cue.lines:
            assert len(line) <= style.max_line_chars or " " not in line, cue
        assert MIN_DURATION_S - TOLERANCE <= cue.duration_s <= MAX_DURATION_S + TOLERANCE, cue
        following = cues[index + 1] if index + 1 < len(cues) else None
        if following is not None:
            assert following.start_s - cue.end_s >= MIN_GAP_S - TOLERANCE, (cue, following)
        if cue.characters / cue.duration_s > style.max_cps + TOLERANCE:
            # Too fast to read only where the cue is already held as long as it may be.
            latest = cue.start_s + MAX_DURATION_S
            if following is not None:
                latest = min(latest, following.start_s - MIN_GAP_S)
            assert cue.end_s == pytest.approx(latest), cue


def test_korean_show_cues_fit_sixteen_characters_two_lines_and_twelve_cps() -> None:
    words = parse_timings(KOREAN_SHOW)

    cues = segment_cues(words, "ko")

    assert_follows_style(cues, words, STYLES["ko"])
    assert all(cue.characters / cue.duration_s <= 12.0 for cue in cues)


def test_korean_cues_end_on_sentence_endings_and_commas() -> None:
    cues = segment_cues(parse_timings(KOREAN_SHOW), "ko")

    assert all(re.search(r"[.!?,]$", cue.lines[-1]) for cue in cues), cues
    assert [cue.lines for cue in cues if "편안해요." in cue.lines[-1]] == [
        ("정말 부드럽고 가벼워서", "하루 종일 입어도 편안해요.")
    ]


def test_korean_lines_keep_numbers_and_modifiers_with_what_follows() -> None:
    cues = segment_cues(parse_timings(KOREAN_SHOW), "ko")

    line_ends = [line.split()[-1] for cue in cues for line in cue.lines]
    assert not {"삼만", "구천", "드릴", "소개해"} & set(line_ends), cues


def test_english_show_cues_fit_forty_two_characters_two_lines_and_twenty_cps() -> None:
    words = parse_timings(ENGLISH_SHOW, leading_space=True)

    cues = segment_cues(words, "en")

    assert_follows_style(cues, words, STYLES["en"])
    assert all(cue.characters / cue.duration_s <= 20.0 for cue in cues)


def test_english_cues_end_on_punctuation_and_lines_break_at_clauses() -> None:
    cues = segment_cues(parse_timings(ENGLISH_SHOW, leading_space=True), "en")

    assert all(re.search(r"[.!?,]$", cue.lines[-1]) for cue in cues), cues
    assert cues[0].lines == ("Hello everyone,", "and welcome back to the show.")
    assert ("It's soft, light and machine washable.",) in [cue.lines for cue in cues]


def test_long_english_sentence_breaks_before_a_conjunction() -> None:
    text = (
        "This cashmere blend sweater keeps its shape after many washes in cold water "
        "because the yarn is twisted twice before it is knitted in our factory"
    )
    cues = segment_cues(speak(text, 0.055), "en")

    assert len(cues) == 2
    assert cues[1].lines[0].startswith("because"), cues


def test_long_pause_is_a_better_break_than_a_plain_word_gap() -> None:
    first = speak("Take a look at the stitching here", 0.06)
    second = speak("the pattern runs around the cuff", 0.06, start=first[-1].end_s + 0.9)

    cues = segment_cues(first + second, "en")

    assert "Take a look at the stitching here" in [line for cue in cues for line in cue.lines], cues


def test_silence_ends_a_cue_like_a_full_stop() -> None:
    first = speak("Take a look at the stitching", 0.06)
    second = speak("the pattern runs around the cuff", 0.06, start=first[-1].end_s + 2.0)

    cues = segment_cues(first + second, "en")

    assert [cue.lines for cue in cues] == [
        ("Take a look at the stitching",),
        ("the pattern runs around the cuff",),
    ]


def test_fast_words_stay_on_screen_long_enough_to_read_when_a_pause_follows() -> None:
    quick = speak("Only twenty left in medium, order now before they are gone!", 0.03)
    later = speak("Next up, the matching scarf.", 0.06, start=quick[-1].end_s + 3.0)

    cues = segment_cues(quick + later, "en")

    first = cues[0]
    assert first.end_s > quick[-1].end_s
    assert first.characters / first.duration_s == pytest.approx(STYLES["en"].max_cps)
    assert_follows_style(cues, quick + later, STYLES["en"])


def test_short_cue_is_held_for_the_minimum_duration() -> None:
    words = [CueWord(" Yes!", 1.0, 1.3), CueWord(" Exactly.", 4.0, 4.5)]

    cues = segment_cues(words, "en")

    assert [cue.lines for cue in cues] == [("Yes!",), ("Exactly.",)]
    assert all(cue.duration_s == pytest.approx(MIN_DURATION_S) for cue in cues)


def test_held_cue_stops_two_frames_before_the_next_one_and_never_overlaps() -> None:
    words = speak("Wow. " * 3 + "Look at this colour, it is really beautiful in person.", 0.035)

    cues = segment_cues(words, "en")

    assert_follows_style(cues, words, STYLES["en"])
    for before, after in itertools.pairwise(cues):
        assert after.start_s - before.end_s >= MIN_GAP_S - TOLERANCE


def test_slow_speech_is_split_into_cues_of_at_most_seven_seconds() -> None:
    words = [
        CueWord(f" {text}", 1.2 * index, 1.2 * index + 0.8)
        for index, text in enumerate(["one", "by", "one", "slowly", "now"])
    ]
    words += [
        CueWord(f" {text}", 6.0 + 1.2 * index, 6.8 + 1.2 * index) for index, text in enumerate(["we", "fold"])
    ]

    cues = segment_cues(words, "en")

    assert len(cues) >= 2
    assert_follows_style(cues, words, STYLES["en"])


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("ko", ["지금", "울트라라이트다운패딩점퍼특가세트상품입니다.", "확인하세요!"]),
        ("en", ["Meet", "the", "supercalifragilisticexpialidocious-extra-long-name", "jacket!"]),
    ],
)
def test_word_longer_than_a_line_stands_alone_and_whole(language: str, texts: list[str]) -> None:
    words = [CueWord(text, 0.5 + 0.6 * index, 0.9 + 0.6 * index) for index, text in enumerate(texts)]
    long_word = max(texts, key=len)

    cues = segment_cues(words, language)

    assert any(long_word in cue.lines for cue in cues), cues
    assert cue_words(cues) == texts


@pytest.mark.parametrize("language", ["ko", "en", "ja"])
def test_scripts_at_every_pace_follow_the_style(language: str) -> None:
    script = (
        "안녕하세요 여러분! 오늘은 특별한 가격으로 따뜻한 겨울 코트를 준비했습니다. 소재는 울 팔십 퍼센트에 "
        "캐시미어가 들어가서 정말 가볍고요, 안감까지 꼼꼼하게 마감했어요. 사이즈는 엠부터 투엑스라지까지 "
        "있으니까 편하게 고르세요. 오늘 방송에서만 무료 배송에 추가 할인까지 드립니다!"
        if language == "ko"
        else "Welcome back, everyone! Today we have a special price on a warm winter coat. The shell is "
        "eighty percent wool with a little cashmere, so it is really light, and the lining is finished "
        "by hand. Sizes run from small to double extra large, so pick the one that fits you. Only during "
        "this show, shipping is free and there is an extra discount on top!"
    )
    style = style_for(language)
    for seconds_per_char in (0.03, 0.06, 0.12):
        words = speak(script, seconds_per_char * (2.0 if language == "ko" else 1.0))
        assert_follows_style(segment_cues(words, language), words, style)


def test_cue_is_not_held_across_a_shot_change() -> None:
    words = [CueWord(" Hello", 1.0, 1.15), CueWord(" there", 1.18, 1.3), CueWord(" shoppers!", 1.33, 1.5)]
    words += [CueWord(" Here", 6.0, 6.2), CueWord(" it", 6.25, 6.35), CueWord(" is.", 6.4, 6.7)]

    uncut = segment_cues(words, "en")
    cut = segment_cues(words, "en", shot_changes_s=[1.9])

    assert uncut[0].end_s == pytest.approx(1.0 + len("Hello there shoppers!") / 20)
    assert cut[0].end_s == pytest.approx(1.9)
    assert cut[0].lines == uncut[0].lines


def test_no_words_give_no_cues() -> None:
    assert segment_cues([], "ko") == []
    assert segment_cues([CueWord(" ", 0.0, 0.5), CueWord("", 1.0, 1.2)], "en") == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ko", STYLES["ko"]),
        ("ko-KR", STYLES["ko"]),
        ("EN", STYLES["en"]),
        ("fr", STYLES["en"]),
        ("", STYLES["en"]),
    ],
)
def test_languages_without_a_style_of_their_own_use_english(language: str, expected: Style) -> None:
    assert style_for(language) == expected


def test_words_starting_at_one_instant_still_give_ordered_cues() -> None:
    words = [CueWord(f" item{index}", 2.0, 2.0) for index in range(40)]

    cues = segment_cues(words, "en")

    assert cue_words(cues) == [word.text.strip() for word in words]
    for before, after in itertools.pairwise(cues):
        assert before.start_s < before.end_s < after.start_s
