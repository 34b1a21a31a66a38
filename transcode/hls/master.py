"""The master playlist, with every variant's bandwidth measured from the segments it really wrote."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from transcode.hls.ladder import Rung

_EXTINF = re.compile(r"^#EXTINF:([0-9.]+),")
_STREAM_INF_CODECS = re.compile(r'CODECS="([^"]+)"')


@dataclass(frozen=True)
class Variant:
    rung: Rung
    fps: float
    codecs: str
    peak_bps: int
    average_bps: int
    duration_s: float


def measure(variant_dir: Path) -> tuple[int, int, float]:
    """Peak and average bits per second over a media playlist's segments, and its duration."""
    durations: list[float] = []
    rates: list[float] = []
    total_bits = 0
    lines = (variant_dir / "index.m3u8").read_text().splitlines()
    for line, following in itertools.pairwise(lines):
        match = _EXTINF.match(line)
        if match:
            seconds = float(match.group(1))
            bits = (variant_dir / following.strip()).stat().st_size * 8
            durations.append(seconds)
            rates.append(bits / seconds if seconds else 0.0)
            total_bits += bits
    duration = sum(durations)
    return round(max(rates, default=0.0)), round(total_bits / duration) if duration else 0, duration


def ffmpeg_codecs(output_dir: Path, master: str = "ffmpeg_master.m3u8") -> dict[str, str]:
    """CODECS strings FFmpeg wrote into its own master, by variant name."""
    codecs: dict[str, str] = {}
    lines = (output_dir / master).read_text().splitlines()
    for line, following in itertools.pairwise(lines):
        match = _STREAM_INF_CODECS.search(line)
        if line.startswith("#EXT-X-STREAM-INF") and match:
            codecs[following.strip().split("/")[0]] = match.group(1)
    return codecs


AAC_LC = "mp4a.40.2"


@dataclass(frozen=True)
class AudioRendition:
    """The ladder's audio, kept apart from the video variants in the group every variant names."""

    uri: str
    codecs: str
    peak_bps: int
    average_bps: int


def audio_rendition(output_dir: Path, name: str) -> AudioRendition:
    """The AAC rendition FFmpeg wrote into `output_dir/name`, with its bandwidth measured."""
    peak, average, _duration = measure(output_dir / name)
    return AudioRendition(uri=f"{name}/index.m3u8", codecs=AAC_LC, peak_bps=peak, average_bps=average)


def render_master(variants: list[Variant], audio: AudioRendition | None = None) -> str:
    """RFC 8216 master playlist, highest rung first, with BANDWIDTH, AVERAGE-BANDWIDTH, CODECS,
    RESOLUTION and FRAME-RATE on every variant. Bandwidths include a separate audio rendition."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio is not None:
        lines.append(
            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="main",DEFAULT=YES,AUTOSELECT=YES,'
            f'CHANNELS="2",URI="{audio.uri}"'
        )
    for variant in sorted(variants, key=lambda v: v.peak_bps, reverse=True):
        rung = variant.rung
        peak, average, codecs = variant.peak_bps, variant.average_bps, variant.codecs
        group = ""
        if audio is not None:
            peak, average = peak + audio.peak_bps, average + audio.average_bps
            codecs, group = f"{codecs},{audio.codecs}", ',AUDIO="audio"'
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},"
            f'CODECS="{codecs}",RESOLUTION={rung.width}x{rung.height},FRAME-RATE={variant.fps:.3f}{group}'
        )
        lines.append(f"{rung.name}/index.m3u8")
    return "\n".join(lines) + "\n"
