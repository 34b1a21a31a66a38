"""Highlight proposals measured on labelled shows, in one run.

    .venv/bin/python -m bench.highlights [--filler 14]

Each show is generated (tests/harness/labelled_show.py): host talk naming no product, and a pitch
per product on a picture of its own, spoken by espeak-ng (English) or the Korean voice
(../shared/tools/ko_speech). The transcript is Whisper's, made as the subtitles job makes it (the
configured model, the catalogue's names as hotwords); the highlight pass is the job's own: its FFmpeg
pass for shots and loudness, then the proposals. Each show is judged three ways: pins as labelled
(some products pinned), every product pinned, and no pins (speech alone). The English show is also
shot with one camera, so no cut marks a pitch's edges and only speech and pins place them.

Figures: recall (a proposal of the right product with IoU >= 0.5 for each pitch), precision (of all
proposals, those matching a pitch so), the median error of matched edges, and the highlight pass's
time against the show's length. Targets (issue 20): recall >= 0.9 with pins and >= 0.7 from speech
alone, precision >= 0.8, median edge error <= 2 s, pass time <= 0.05x the show's length.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from shopcast.media.cues import Cue
from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.settings import Settings
from tests.harness.labelled_show import ENGLISH_PRODUCTS, KOREAN_PRODUCTS, LabelledShow, build_show, iou
from tests.harness.speech import KoreanSpeechMissing
from transcode.highlights.measure import measure_show, show_signals
from transcode.highlights.proposals import Limits, Proposal, propose
from transcode.subtitles.command import build_speech_extract
from transcode.subtitles.transcriber import load_transcriber
from transcode.subtitles.translator import cues_of
from transcode.subtitles.vocabulary import vocabulary_of

CACHE = Path(tempfile.gettempdir()) / "shopcast-bench-highlights"


def _transcript(show: LabelledShow, settings: Settings, folder: Path) -> tuple[list[Cue], float]:
    wav = folder / "speech.wav"
    run_ffmpeg(build_speech_extract(show.path, wav), timeout_s=600)
    names = [n for s in show.segments for n in (s.product.name, *s.product.aliases)]
    started = time.perf_counter()
    transcript = load_transcriber(settings).transcribe(wav, None, "transcribe", vocabulary_of(names))
    return cues_of(transcript, transcript.language), time.perf_counter() - started


def _catalogue(show: LabelledShow) -> list[dict[str, Any]]:
    return [{**asdict(s.product), "aliases": list(s.product.aliases)} for s in show.segments]


def _timeline(show: LabelledShow, which: str) -> list[dict[str, Any]]:
    pinned = [s for s in show.segments if which == "all" or (which == "labelled" and s.product.pinned)]
    return [
        {"sku": s.product.sku, "name": s.product.name, "start_s": s.start_s, "end_s": s.end_s} for s in pinned
    ]


def _judge(show: LabelledShow, proposals: list[Proposal]) -> tuple[float, float, float]:
    """Recall, precision and the median edge error of the matched proposals."""
    matched: list[Proposal] = []
    errors: list[float] = []
    for segment in show.segments:
        span = (segment.start_s, segment.end_s)
        right = [p for p in proposals if p.product is not None and p.product.sku == segment.product.sku]
        best = max(right, key=lambda p: iou(span, (p.start_s, p.end_s)), default=None)
        if best is not None and iou(span, (best.start_s, best.end_s)) >= 0.5:
            matched.append(best)
            errors += [abs(best.start_s - segment.start_s), abs(best.end_s - segment.end_s)]
    recall = len(matched) / len(show.segments)
    precision = len(set(map(id, matched))) / len(proposals) if proposals else 0.0
    return recall, precision, statistics.median(errors) if errors else float("nan")


def _run(name: str, show: LabelledShow, settings: Settings) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        cues, transcribing_s = _transcript(show, settings, folder)
        started = time.perf_counter()
        measures = measure_show(show.path, folder, show.duration_s, video=True, audio=True, timeout_s=600)
        measuring_s = time.perf_counter() - started
    limits = Limits(settings.highlight_min_s, settings.highlight_max_s, settings.highlight_peaks)
    pitches = len(show.segments)
    print(f"{name}: {show.duration_s:.0f} s, {pitches} pitches, transcribed in {transcribing_s:.1f} s")
    for which in ("labelled", "all", "none"):
        started = time.perf_counter()
        signals = show_signals(show.duration_s, cues, _timeline(show, which), _catalogue(show), measures)
        proposals = propose(signals, limits)
        pass_s = measuring_s + time.perf_counter() - started
        recall, precision, edge = _judge(show, proposals)
        share = pass_s / show.duration_s
        figures = f"recall {recall:.2f}  precision {precision:.2f}  median edge error {edge:.2f} s"
        print(f"  pins {which:8s} {figures}")
        print(f"{'':16s}proposals {len(proposals)}  highlight pass {pass_s:.2f} s = {share:.3f}x the show")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--filler", type=float, default=14.0, help="seconds of host talk between pitches")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    settings = Settings()
    _run("English show, a cut per pitch", build_show(CACHE, ENGLISH_PRODUCTS, filler_s=args.filler), settings)
    one_camera = build_show(CACHE, ENGLISH_PRODUCTS, filler_s=args.filler, one_camera=True)
    _run("English show, one camera (no cuts)", one_camera, settings)
    try:
        korean = build_show(CACHE, KOREAN_PRODUCTS, filler_s=args.filler)
    except KoreanSpeechMissing as missing:
        print(f"Korean show: skipped ({missing})")
        return
    _run("Korean show", korean, settings)


if __name__ == "__main__":
    main()
