"""The ladder's audio is AAC-LC 48 kHz stereo whatever the source: 5.1 downmixed, mono spread."""

from __future__ import annotations

import io
import math
from array import array
from pathlib import Path

import av

from shopcast.media.ffmpeg_runner import run_ffmpeg
from tests.harness.media import MediaFactory
from transcode.hls.command import AUDIO_RENDITION, LadderJob, build_hls_ladder
from transcode.hls.ladder import choose_rungs

HALF_POWER = 1 / math.sqrt(2)  # -3 dB, the BS.775 weight of centre and surrounds in a stereo downmix


def _ladder_audio(source: Path, folder: Path) -> tuple[int, list[array[float]]]:
    """Encode `source` as the ladder does and decode its audio rendition back to float samples."""
    rungs = choose_rungs(320, 240)
    job = LadderJob(source=source, output_dir=folder, rungs=rungs, fps=30.0, interlaced=False, has_audio=True)
    run_ffmpeg(build_hls_ladder(job), timeout_s=120)
    rung = folder / AUDIO_RENDITION
    data = next(rung.glob("init*.mp4")).read_bytes()
    data += b"".join(path.read_bytes() for path in sorted(rung.glob("seg_*.m4s")))
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac"
        rate, channels = stream.codec_context.sample_rate, stream.codec_context.channels
        samples: list[array[float]] = [array("f") for _ in range(channels)]
        for frame in container.decode(stream):
            assert frame.format.name == "fltp"
            for channel, plane in enumerate(frame.planes):
                samples[channel].extend(array("f", bytes(plane))[: frame.samples])
    return rate, samples


def _amplitude(samples: array[float], rate: int, hz: float) -> float:
    """Peak amplitude of the `hz` component over one second from the middle (Goertzel)."""
    start = len(samples) // 2 - rate // 2
    window = samples[start : start + rate]
    coefficient = 2 * math.cos(2 * math.pi * hz / rate)
    previous = before = 0.0
    for value in window:
        previous, before = value + coefficient * previous - before, previous
    power = previous * previous + before * before - coefficient * previous * before
    return 2 * math.sqrt(max(power, 0.0)) / len(window)


def test_51_is_downmixed_with_centre_and_surrounds_at_minus_3_db_and_no_lfe(
    media: MediaFactory, tmp_path: Path
) -> None:
    rate, (left, right) = _ladder_audio(media.surround_51(), tmp_path)
    assert rate == 48000

    def level(channel: array[float], hz: float) -> float:
        return _amplitude(channel, rate, hz) / 0.25

    assert abs(level(left, 500) - 1.0) < 0.06, "front left stays on the left at full level"
    assert abs(level(right, 700) - 1.0) < 0.06
    for hz in (1000,):
        assert abs(level(left, hz) - HALF_POWER) < 0.05, "centre to both sides at -3 dB"
        assert abs(level(right, hz) - HALF_POWER) < 0.05
    assert abs(level(left, 1300) - HALF_POWER) < 0.05, "back left to the left at -3 dB"
    assert abs(level(right, 1700) - HALF_POWER) < 0.05
    for channel, absent in ((left, (700, 1700, 60)), (right, (500, 1300, 60))):
        for hz in absent:
            assert level(channel, hz) < 0.01, f"{hz} Hz must not reach this side (LFE is dropped)"


def test_8_khz_mono_becomes_48_khz_stereo_with_the_same_loudness(media: MediaFactory, tmp_path: Path) -> None:
    rate, channels = _ladder_audio(media.mono_8khz(), tmp_path)
    assert rate == 48000
    assert len(channels) == 2
    left, right = (_amplitude(channel, rate, 1000) / 0.5 for channel in channels)
    assert abs(left - right) < 0.01, "mono sits in the centre"
    assert abs(left - HALF_POWER) < 0.05, "each side at -3 dB: the summed power, hence loudness, is kept"
