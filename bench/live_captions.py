"""Live captions measured in one run: how soon after a segment closes its captions are out, and how
good they are, against the same captioner's words with the whole show at once.

    .venv/bin/python -m bench.live_captions [--seconds 60]

A show (espeak-ng English sentences; and the Korean shopping show read by MBROLA's recorded Korean
voice, translated to English) is cut into 2 s MPEG-TS segments, as a live recording is, and the
segments are "closed" in real time: each index line is appended when its segment would have ended.
The captioner runs as in the API process (`LiveCaptioner`, `base` int8, nice 5). Latency is from a
segment's closing to its WebVTT file. Targets (issue 19): p50 <= 3 s, p95 <= 5 s; English WER <= 0.20;
Korean CER <= 0.15.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import jiwer

from ingest import CAPTIONS_DIR
from shopcast.media.subtitle_formats import SubtitleFileError, parse_vtt
from shopcast.settings import Settings
from tests.harness.media import FFMPEG, ffmpeg
from tests.harness.speech import (
    KO_SHOW,
    KoreanSpeechMissing,
    SpeechFactory,
    duration_s,
    korean_wav,
    scored_characters,
    scored_words,
)
from transcode.subtitles.live_captioner import LiveCaptioner


def segmented(folder: Path, voice: Path) -> list[tuple[str, float, float]]:
    """The show as 2 s MPEG-TS segments (H.264 + AAC), and each one's name, start and end."""
    folder.mkdir(parents=True, exist_ok=True)
    show = folder / "show.mkv"
    seconds = duration_s(voice) + 1
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=30:duration={seconds}", "-i", str(voice),
           "-filter_complex", "[1:a]apad,aresample=48000[a]", "-map", "0:v", "-map", "[a]",
           "-t", f"{seconds:.2f}", "-c:v", "libx264", "-preset", "veryfast", "-g", "60",
           "-c:a", "aac", "-ac", "2", str(show))  # fmt: skip
    recording = folder / "recording"
    recording.mkdir()
    subprocess.run([FFMPEG, "-v", "error", "-i", str(show), "-c", "copy", "-f", "segment",
                    "-segment_time", "2", "-segment_list", str(folder / "list.csv"),
                    "-segment_list_type", "csv", "-segment_format", "mpegts", str(recording / "%06d.ts")],
                   check=True)  # fmt: skip
    rows = [line.split(",") for line in (folder / "list.csv").read_text().splitlines()]
    return [(name, float(start), float(end)) for name, start, end in rows]


def run_show(
    folder: Path, voice: Path, language: str, translate: tuple[str, ...]
) -> tuple[list[float], dict[str, str]]:
    """Close the segments in real time under a captioner; each segment's caption latency, and the
    text each language's captions said."""
    segments = segmented(folder, voice)
    recording = folder / "recording"
    captioner = LiveCaptioner(Settings(data_dir=folder / "data"), recording, language, translate)
    closed: dict[str, float] = {}
    latencies: list[float] = []
    started = time.monotonic()
    for name, start_s, end_s in segments:
        while time.monotonic() < started + end_s:  # watch for captions while the segment records
            latencies += _newly_out(recording / CAPTIONS_DIR / language, closed)
            time.sleep(0.05)
        with (recording / "segments.jsonl").open("a") as index:
            index.write(
                json.dumps({"name": name, "start_s": start_s, "end_s": end_s, "at": time.time()}) + "\n"
            )
        closed[name] = time.monotonic()
        latencies += _newly_out(recording / CAPTIONS_DIR / language, closed)
    deadline = time.monotonic() + 30
    while len(latencies) < len(segments) - 2 and time.monotonic() < deadline:
        time.sleep(0.05)
        latencies += _newly_out(recording / CAPTIONS_DIR / language, closed)
    captioner.finish()
    return latencies, {lang: _text(recording / CAPTIONS_DIR / lang) for lang in (language, *translate)}


def _newly_out(folder: Path, closed: dict[str, float]) -> list[float]:
    out = []
    for name in list(closed):
        if (folder / (name[:-3] + ".vtt")).exists():
            out.append(time.monotonic() - closed.pop(name))
    return out


def _text(folder: Path) -> str:
    cues: dict[tuple[float, str], None] = {}
    for path in sorted(folder.glob("*.vtt")):
        try:
            for cue in parse_vtt(path.read_text(encoding="utf-8")):
                cues[(cue.start_s, " ".join(cue.lines))] = None
        except SubtitleFileError:
            continue
    return " ".join(text for _, text in cues)


def _report(name: str, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name}: caption latency p50 {statistics.median(ordered):.2f} s, p95 {p95:.2f} s "
          f"over {len(ordered)} segments (targets 3 s, 5 s)", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopcast-live-captions-") as scratch:
        folder = Path(scratch)
        voice, reference = SpeechFactory(folder / "speech").long_track(args.seconds)
        latencies, said = run_show(folder / "en", voice, "en", ())
        _report("English", latencies)
        english_wer = jiwer.wer(scored_words(reference), scored_words(said["en"]))
        print(f"English live WER {english_wer:.3f} (target 0.20)")
        try:
            korean = korean_wav(" ".join(KO_SHOW * 3), folder / "ko.wav")
        except KoreanSpeechMissing as missing:
            print(f"Korean: skipped, no Korean voice ({missing})")
            return
        latencies, said = run_show(folder / "ko", korean, "ko", ("en",))
        _report("Korean with English translation", latencies)
        error_rate = jiwer.cer(scored_characters(" ".join(KO_SHOW * 3)), scored_characters(said["ko"]))
        print(f"Korean live CER {error_rate:.3f} (target 0.15)")
        print(f"its English: {said['en'][:200]!r}")


if __name__ == "__main__":
    main()
