"""A Korean show, spoken by the recorded Korean voice and heard by Whisper, yields a proposal over
each product's pitch from speech alone: Korean names are found however Whisper spaces them."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.settings import Settings
from tests.harness.labelled_show import KOREAN_PRODUCTS, LabelledShow, build_show, iou
from tests.harness.speech import KoreanSpeechMissing
from transcode.highlights.measure import measure_show, show_signals
from transcode.highlights.proposals import Limits, propose
from transcode.subtitles.command import build_speech_extract
from transcode.subtitles.transcriber import load_transcriber
from transcode.subtitles.translator import cues_of
from transcode.subtitles.vocabulary import vocabulary_of


@pytest.fixture(scope="module")
def korean_show(tmp_path_factory: pytest.TempPathFactory) -> LabelledShow:
    try:
        return build_show(tmp_path_factory.mktemp("korean-show"), KOREAN_PRODUCTS, one_camera=True)
    except KoreanSpeechMissing as missing:
        pytest.skip(f"no Korean voice to speak the show: {missing}")


def test_each_korean_pitch_is_found_from_speech_alone(korean_show: LabelledShow, tmp_path: Path) -> None:
    wav = tmp_path / "speech.wav"
    run_ffmpeg(build_speech_extract(korean_show.path, wav), timeout_s=120)
    names = [n for s in korean_show.segments for n in (s.product.name, *s.product.aliases)]
    settings = Settings(data_dir=tmp_path / "data", whisper_model="base", whisper_threads=2)
    transcript = load_transcriber(settings).transcribe(wav, None, "transcribe", vocabulary_of(names))
    assert transcript.language == "ko"
    catalogue = [{"sku": p.sku, "name": p.name, "aliases": list(p.aliases)} for p in KOREAN_PRODUCTS]
    measures = measure_show(
        korean_show.path, tmp_path, korean_show.duration_s, video=True, audio=True, timeout_s=120
    )
    assert measures.shots == [], "one camera: no cut marks a pitch"
    signals = show_signals(korean_show.duration_s, cues_of(transcript, "ko"), [], catalogue, measures)
    proposals = propose(signals, Limits())
    for segment in korean_show.segments:
        mine = [p for p in proposals if p.product is not None and p.product.sku == segment.product.sku]
        assert len(mine) == 1, (segment, proposals)
        assert iou((mine[0].start_s, mine[0].end_s), (segment.start_s, segment.end_s)) >= 0.7, (
            segment,
            mine[0],
        )
        assert "said" in mine[0].reason
    assert all(p.product is not None for p in proposals), "a flat show has no peaks"
