"""The faster-whisper transcriber on the real `base` model from the registry packages: English speech that
espeak-ng reads from a known text, silence, a pure tone, forced Korean, and recorded Korean speech where a
folder of it is given (SHOPCAST_TEST_KO_SPEECH)."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import jiwer
import pytest

from shopcast.settings import Settings
from tests.harness.speech import PITCH, SpeechFactory
from transcode.subtitles.transcriber import Task, Transcriber, Transcript, load_transcriber

KO_SPEECH_ENV = "SHOPCAST_TEST_KO_SPEECH"


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> SpeechFactory:
    return SpeechFactory(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="module")
def transcriber(tmp_path_factory: pytest.TempPathFactory) -> Transcriber:
    settings = Settings(data_dir=tmp_path_factory.mktemp("whisper"), whisper_model="base", whisper_threads=2)
    return load_transcriber(settings)


@pytest.fixture(scope="module")
def english(transcriber: Transcriber, speech: SpeechFactory) -> Transcript:
    return transcriber.transcribe(speech.pitch(), language=None, task="transcribe")


def _words(text: str) -> str:
    """Lower case, punctuation gone (apostrophes kept: Whisper writes "tonight's" as spoken)."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def test_english_speech_is_transcribed_within_15_percent_word_error_rate(english: Transcript) -> None:
    assert english.language == "en"
    assert english.language_probability > 0.5
    error_rate = jiwer.wer(_words(PITCH), _words(english.text))
    assert error_rate <= 0.15, f"WER {error_rate:.3f}: {english.text!r}"


def test_words_are_timed_in_order_inside_the_audio(english: Transcript) -> None:
    words = english.words
    assert len(words) == len(_words(english.text).split())
    assert all(0 <= w.start_s <= w.end_s <= english.duration_s + 0.5 for w in words)
    assert all(a.start_s <= b.start_s for a, b in itertools.pairwise(words))
    assert words[-1].end_s > english.duration_s * 0.8, "the last word is near the end of the speech"
    assert all(0 <= w.probability <= 1 for w in words)


def test_translation_pass_writes_english_words(transcriber: Transcriber, speech: SpeechFactory) -> None:
    translation = transcriber.transcribe(speech.pitch(), language=None, task="translate")
    assert translation.task == "translate"
    assert translation.text_language == "en"
    assert jiwer.wer(_words(PITCH), _words(translation.text)) <= 0.3, translation.text


def test_forced_korean_runs_end_to_end(transcriber: Transcriber, speech: SpeechFactory) -> None:
    """espeak-ng's Korean is not intelligible to Whisper: this checks the path, not the words."""
    transcript = transcriber.transcribe(speech.korean_pitch(), language="ko", task="transcribe")
    assert isinstance(transcript, Transcript)
    assert transcript.language == "ko"
    assert transcript.text_language == "ko"
    assert transcript.duration_s > 3


@pytest.mark.parametrize("task", ["transcribe", "translate"])
@pytest.mark.parametrize("sound", ["silence", "tone"])
def test_silence_and_a_pure_tone_give_no_words(
    transcriber: Transcriber, speech: SpeechFactory, sound: str, task: Task
) -> None:
    audio = speech.silence(10) if sound == "silence" else speech.tone(10, frequency=1000)
    transcript = transcriber.transcribe(audio, language=None, task=task)
    assert transcript.words == [], transcript.text
    assert transcript.text == ""
    assert transcript.duration_s == pytest.approx(10, abs=0.1)


def _korean_recordings() -> list[tuple[Path, str]]:
    folder = os.environ.get(KO_SPEECH_ENV)
    if not folder:
        pytest.skip(f"{KO_SPEECH_ENV} is unset: no folder of Korean .wav + .txt recordings to check CER on")
    pairs = [(wav, wav.with_suffix(".txt").read_text("utf-8")) for wav in sorted(Path(folder).glob("*.wav"))]
    assert pairs, f"{KO_SPEECH_ENV}={folder} holds no .wav files"
    return pairs


def _characters(text: str) -> str:
    """Korean CER is counted on characters alone: spacing and punctuation vary between writers."""
    return re.sub(r"[^\w]", "", text)


def test_recorded_korean_speech_within_30_percent_character_error_rate(transcriber: Transcriber) -> None:
    recordings = _korean_recordings()
    references, hypotheses = [], []
    for wav, reference in recordings:
        transcript = transcriber.transcribe(wav, language=None, task="transcribe")
        assert transcript.language == "ko", f"{wav.name} detected as {transcript.language}"
        references.append(_characters(reference))
        hypotheses.append(_characters(transcript.text))
    error_rate = jiwer.cer(references, hypotheses)
    assert error_rate <= 0.30, f"CER {error_rate:.3f} over {len(recordings)} recordings"
