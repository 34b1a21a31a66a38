"""The subtitle pipeline's speech passes against calling faster-whisper directly, in one run.

    .venv/bin/python -m bench.subtitles [--seconds 300] [--rounds 2] [--modes]

The source is `--seconds` of English speech (espeak-ng reading product-show sentences) in AAC, as an
asset's audio would be. Pipeline: the subtitle job's speech extraction (FFmpeg to 16 kHz mono WAV) and
our Transcriber, model already loaded. Direct: faster-whisper's WhisperModel (and its batched pipeline
when the settings batch) on the AAC file with the same options. Passes alternate between the two, and
each figure is the best of `--rounds`, as other processes may share the cores; the overhead is also
given in CPU time (this process and FFmpeg), which such neighbours disturb less than wall time.
`--modes` also times bare faster-whisper without VAD, with VAD, and batched, to show what each brings.

Targets: pipeline overhead <= 10 %; RTF <= 0.15 per pass (transcription, translation) for
`base` int8 on 2 cores. Settings come from the environment as usual (SHOPCAST_WHISPER_BATCH_SIZE=1 times
the sequential decoder).
"""

from __future__ import annotations

import argparse
import re
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jiwer
from faster_whisper import BatchedInferencePipeline, WhisperModel

from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.settings import Settings
from tests.harness.media import ffmpeg
from tests.harness.speech import SpeechFactory, duration_s
from transcode.subtitles.command import build_speech_extract
from transcode.subtitles.transcriber import Task, Transcriber, load_transcriber
from transcode.subtitles.whisper_model import resolve_model

PASSES: tuple[Task, ...] = ("transcribe", "translate")


def make_source(folder: Path, seconds: int) -> tuple[Path, str]:
    """At least `seconds` of speech as 48 kHz stereo AAC, and the text it reads."""
    wav, text = SpeechFactory(folder / "speech").long_track(seconds)
    source = folder / "speech.m4a"
    ffmpeg("-i", str(wav), "-ar", "48000", "-ac", "2", "-c:a", "aac", "-b:a", "128k", str(source))
    return source, text


def pipeline_pass(transcriber: Transcriber, source: Path, folder: Path, task: Task) -> str:
    wav = folder / "speech.wav"
    run_ffmpeg(build_speech_extract(source, wav), timeout_s=600)
    text = transcriber.transcribe(wav, language=None, task=task).text
    wav.unlink()
    return text


def direct_pass(model: WhisperModel, batch_size: int, source: Path, task: Task, *, vad: bool = True) -> str:
    options: dict[str, Any] = {
        "task": task,
        "word_timestamps": True,
        "vad_filter": vad,
        "condition_on_previous_text": False,
    }
    if batch_size > 1:
        segments, _ = BatchedInferencePipeline(model).transcribe(
            str(source), batch_size=batch_size, **options
        )
    else:
        segments, _ = model.transcribe(str(source), **options)
    return "".join(segment.text for segment in segments)


@dataclass(frozen=True)
class Timing:
    wall_s: float
    cpu_s: float  # this process and the children it waited for (FFmpeg): steadier on a shared machine
    text: str


def timed(run: Callable[[], str]) -> Timing:
    wall, cpu = time.perf_counter(), _cpu_s()
    text = run()
    return Timing(time.perf_counter() - wall, _cpu_s() - cpu, text)


def _cpu_s() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def word_error_rate(reference: str, hypothesis: str) -> float:
    def words(text: str) -> str:
        return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())

    return float(jiwer.wer(words(reference), words(hypothesis)))


def load_model(settings: Settings) -> WhisperModel:
    return WhisperModel(
        resolve_model(settings),
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=settings.whisper_threads,
    )


def compare(settings: Settings, source: Path, text: str, folder: Path, rounds: int) -> None:
    started = time.perf_counter()
    model = load_model(settings)
    print(f"model load: {time.perf_counter() - started:.2f} s")
    transcriber = load_transcriber(settings)
    transcriber.transcribe(SpeechFactory(folder / "speech").silence(2))  # loads the transcriber's model
    seconds = duration_s(source)
    for task in PASSES:
        runs = {
            "direct": partial(direct_pass, model, settings.whisper_batch_size, source, task),
            "pipeline": partial(pipeline_pass, transcriber, source, folder, task),
        }
        timings: dict[str, list[Timing]] = {name: [] for name in runs}
        for _ in range(rounds):
            for name, run in runs.items():  # alternated, so a busy moment hits both
                timings[name].append(timed(run))
        wall = {name: min(t.wall_s for t in found) for name, found in timings.items()}
        cpu = {name: min(t.cpu_s for t in found) for name, found in timings.items()}
        figures = "  ".join(
            f"{name} RTF {wall[name] / seconds:.3f} (WER {word_error_rate(text, timings[name][-1].text):.3f})"
            for name in runs
        )
        print(
            f"{task:10s}  {figures}  overhead {(wall['pipeline'] / wall['direct'] - 1) * 100:+.1f} % wall, "
            f"{(cpu['pipeline'] / cpu['direct'] - 1) * 100:+.1f} % CPU",
            flush=True,
        )


def compare_modes(settings: Settings, source: Path, text: str, rounds: int) -> None:
    """Bare faster-whisper: sequential without VAD, sequential with VAD, batched (which always uses VAD)."""
    model = load_model(settings)
    seconds = duration_s(source)
    modes = {
        "sequential, no VAD": partial(direct_pass, model, 1, source, vad=False),
        "sequential, VAD": partial(direct_pass, model, 1, source),
        "batched (4), VAD": partial(direct_pass, model, 4, source),
        "batched (8), VAD": partial(direct_pass, model, 8, source),
    }
    for task in PASSES:
        for name, run in modes.items():
            results = [timed(partial(run, task)) for _ in range(rounds)]
            elapsed = min(result.wall_s for result in results)
            wer = word_error_rate(text, results[-1].text)
            print(f"{task:10s}  {name:20s} RTF {elapsed / seconds:.3f}  WER {wer:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--modes", action="store_true", help="also time faster-whisper's modes alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopcast-subtitles-") as scratch:
        folder = Path(scratch)
        settings = Settings(data_dir=folder / "data")
        source, text = make_source(folder, args.seconds)
        print(
            f"source: {duration_s(source):.1f} s of espeak-ng English speech, AAC; "
            f"model {settings.whisper_model} {settings.whisper_compute_type}, "
            f"{settings.whisper_threads} threads, batch size {settings.whisper_batch_size}",
            flush=True,
        )
        compare(settings, source, text, folder, args.rounds)
        if args.modes:
            compare_modes(settings, source, text, args.rounds)


if __name__ == "__main__":
    main()
