"""Highlight proposals from signals made by hand: pins, mentions, shot changes, loudness, limits."""

from __future__ import annotations

from shopcast.media.cues import Cue
from transcode.highlights.mentions import mentions_of, normalised
from transcode.highlights.proposals import Limits, propose
from transcode.highlights.signals import Pin, Product, Sentence, ShowSignals, sentences_of

TANGERINE = Product("SKU-1", "Jeju tangerine", ("감귤",), {"url": "https://shop.example/1"})
OIL = Product("SKU-2", "참기름", ())


def _talk(start: float, end: float, text: str = "thanks for joining us today") -> list[Sentence]:
    """Sentences of 3 s with 0.4 s between them."""
    sentences, t = [], start
    while t + 3 <= end:
        sentences.append(Sentence(t, t + 3, text))
        t += 3.4
    return sentences


def _show(sentences: list[Sentence], **kw: object) -> ShowSignals:
    base: dict[str, object] = {
        "duration_s": 200.0,
        "sentences": sentences,
        "products": [TANGERINE, OIL],
        "pins": [],
        "shots": [],
        "loudness_db": [-25.0] * 800,  # quarter seconds
    }
    base.update(kw)
    return ShowSignals(**base)  # type: ignore[arg-type]


def test_a_pin_is_a_proposal_on_its_shot_changes_with_the_product_and_why() -> None:
    sentences = _talk(0, 39.5) + _talk(40.5, 80, "the jeju tangerine is sweet.") + _talk(80.5, 200)
    show = _show(sentences, pins=[Pin("SKU-1", 40.2, 79.9)], shots=[40.0, 80.0])
    [proposal] = propose(show, Limits(peaks=0))
    assert (proposal.start_s, proposal.end_s) == (40.0, 80.0)
    assert proposal.product == TANGERINE
    assert proposal.title == "Jeju tangerine"
    assert proposal.reason.startswith("pin SKU-1 at 0:40; 'Jeju tangerine' said ")
    assert "shot change at 0:40 and 1:20" in proposal.reason
    assert proposal.score >= 0.9


def test_speech_alone_finds_the_pitch_and_reaches_the_shots_around_it() -> None:
    pitch = [
        Sentence(52.0, 55.0, "here is our 제주 감귤 today."),
        Sentence(55.4, 70.0, "so sweet, add it to your cart."),
        Sentence(70.4, 73.0, "the jeju tangerine ships free."),
        Sentence(73.4, 84.0, "only twenty dollars."),
    ]
    sentences = _talk(0, 49.5) + pitch + _talk(86.0, 200)
    show = _show(sentences, shots=[50.0, 85.5, 150.0])
    [proposal] = propose(show, Limits(peaks=0))
    assert (proposal.start_s, proposal.end_s) == (50.0, 85.5)
    assert proposal.product == TANGERINE
    assert "said 2 times" in proposal.reason
    assert proposal.score < 0.75  # no pin


def test_one_mention_is_not_a_pitch_and_other_products_are_not_confused() -> None:
    sentences = [*_talk(0, 100), Sentence(101, 104, "coming up later: the jeju tangerine."), *_talk(105, 200)]
    assert propose(_show(sentences), Limits(peaks=0)) == []


def test_an_edge_inside_a_sentence_moves_to_its_boundary_and_short_pins_grow_to_the_minimum() -> None:
    sentences = [
        Sentence(10.0, 14.0, "참기름 하나 더."),
        Sentence(14.5, 19.0, "고소한 참기름."),
        *_talk(19.5, 200),
    ]
    show = _show(sentences, pins=[Pin("SKU-2", 11.0, 15.0)])
    [proposal] = propose(show, Limits(min_s=10, peaks=0))
    assert proposal.start_s == 10.0  # 11.0 was inside the sentence 10 to 14
    assert proposal.end_s - proposal.start_s >= 10
    assert any(abs(proposal.end_s - s.end_s) < 1e-6 for s in sentences)


def test_a_long_pin_is_cut_to_the_maximum_at_a_sentence_end() -> None:
    sentences = _talk(0, 200, "jeju tangerine.")
    [proposal] = propose(_show(sentences, pins=[Pin("SKU-1", 5.0, 190.0)]), Limits(max_s=60, peaks=0))
    assert proposal.end_s - proposal.start_s <= 60
    assert any(abs(proposal.end_s - s.end_s) < 1e-6 for s in sentences)


def test_a_loud_stretch_away_from_pitches_is_a_peak_and_a_flat_show_has_none() -> None:
    sentences = _talk(0, 200)
    assert propose(_show(sentences), Limits(peaks=2)) == []
    loud = [-25.0] * 800
    loud[480:560] = [-12.0] * 80  # 120 s to 140 s
    [peak] = propose(_show(sentences, loudness_db=loud), Limits(peaks=2))
    assert peak.product is None
    assert peak.title == f"Peak at 1:{int(peak.start_s) - 60}"
    assert 115 <= peak.start_s <= 121
    assert 135 <= peak.end_s <= 145
    assert "dB above the show's median" in peak.reason


def test_names_match_across_spacing_case_and_small_misspellings() -> None:
    assert normalised("Jeju-Tangerine 제주 감귤!") == "jejutangerine제주감귤"
    heard = [
        Sentence(0, 2, "JEJU TANGERINE"),
        Sentence(2, 4, "jeju tangerin is here"),
        Sentence(4, 6, "제주감귤 최고"),
        Sentence(6, 8, "nothing to see"),
    ]
    found = mentions_of(TANGERINE, heard)
    assert [m.start_s for m in found] == [0, 2, 4]
    assert mentions_of(OIL, [Sentence(0, 2, "참기 름")]) != []
    assert mentions_of(OIL, [Sentence(0, 2, "참외")]) == []


def test_cues_become_sentences_at_stops_and_pauses() -> None:
    cues = [
        Cue(0, 2, ("Hello and",)),
        Cue(2, 3, ("welcome.",)),
        Cue(3.1, 5, ("Today we",)),
        Cue(6, 7, ("sell",)),
    ]
    assert [(s.start_s, s.end_s) for s in sentences_of(cues)] == [(0, 3), (3.1, 5), (6, 7)]


def test_short_names_and_skus_match_whole_words_only() -> None:
    tea = Product("A", "Tea", ())
    said = [Sentence(0, 2, "a great eats stall"), Sentence(2, 4, "our green tea is here")]
    assert [m.start_s for m in mentions_of(tea, said)] == [2]
    assert mentions_of(Product("B2", "Blender", ()), [Sentence(0, 2, "grab 2 now")]) == []


def test_a_products_pins_a_moment_apart_are_one_pitch_and_a_slip_is_none() -> None:
    sentences = _talk(0, 200)
    pins = [Pin("SKU-2", 50.0, 60.0), Pin("SKU-2", 60.5, 75.0), Pin("SKU-2", 120.0, 120.4)]
    proposals = propose(_show(sentences, pins=pins), Limits(peaks=0))
    assert len(proposals) == 1
    assert proposals[0].start_s <= 51
    assert proposals[0].end_s >= 74


def test_a_short_pin_far_from_any_sentence_end_stays_within_the_maximum() -> None:
    sentences = [Sentence(0, 99, "one long ramble"), Sentence(100.5, 405.0, "and another")]
    [proposal] = propose(
        _show(sentences, duration_s=420.0, pins=[Pin("SKU-1", 100.0, 103.0)]), Limits(peaks=0)
    )
    assert 10 <= proposal.end_s - proposal.start_s <= 120
    assert proposal.start_s < proposal.end_s
