"""Studio encoders in tests: what OBS and PRISM send (H.264 High with B-frames, AAC), published with
FFmpeg over RTMP(S) or SRT in real time, and the frame counts a recording must match."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av

from tests.harness.live import MARK_EVERY_S, MARK_FIRST_S
from tests.harness.media import FFMPEG, ffmpeg

# what each protocol carries the stream in
CONTAINERS = {"rtmp": "flv", "rtmps": "flv", "srt": "mpegts"}


def encoder_source(folder: Path, seconds: int, size: str = "1280x720", bitrate: str = "2500k") -> Path:
    """A 30 fps H.264 High picture (B-frames, GOP 2 s) with AAC, flashing and beeping together every
    2 s from 1 s (`tests.harness.live.av_offsets` measures their sync)."""
    path = folder / f"encoder_{seconds}s_{size}_{bitrate}.mkv"
    if path.exists():
        return path
    flash = f"between(mod(t-{MARK_FIRST_S},{MARK_EVERY_S}),0,0.099)*gte(t,{MARK_FIRST_S})"
    beep = f"between(mod(t-{MARK_FIRST_S},{MARK_EVERY_S}),0,0.1)*gte(t,{MARK_FIRST_S})"
    tone = f"0.8*{beep}*sin(2*PI*1000*t)"
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"aevalsrc='{tone}|{tone}':s=48000:d={seconds}",
        "-vf", f"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='{flash}'",
        "-c:v", "libx264", "-profile:v", "high", "-bf", "2", "-g", "60", "-keyint_min", "60",
        "-sc_threshold", "0", "-preset", "veryfast",
        "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
        "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-t", str(seconds), str(path),
    )  # fmt: skip
    return path


def publish(
    source: Path, url: str, protocol: str, loops: int = 0, options: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """FFmpeg sends `source` in real time over `protocol` (rtmp, rtmps, srt) without re-encoding;
    `options` go to the output (e.g. `-ca_file` for RTMPS)."""
    return subprocess.Popen(
        [
            FFMPEG, "-hide_banner", "-loglevel", "warning", "-re", "-stream_loop", str(loops),
            "-i", str(source), "-c", "copy", *options, "-f", CONTAINERS[protocol], url,
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def publish_url(stream: dict[str, str], protocol: str) -> str:
    """Where an encoder sends `stream`: OBS's server + key for RTMP(S), the whole URL for SRT."""
    if protocol == "srt":
        return stream["srt_url"]
    return f"{stream[f'{protocol}_url']}/{stream['stream_key']}"


def packet_counts(path: Path, seconds: float | None = None) -> dict[str, int]:
    """Video frames and audio packets in a media file; with `seconds`, those of each track's first
    `seconds` (from its first packet's presentation time)."""
    times: dict[str, list[float]] = {"video": [], "audio": []}
    with av.open(str(path)) as container:
        for packet in container.demux():
            kind = packet.stream.type
            if packet.size and kind in times and packet.pts is not None and packet.time_base is not None:
                times[kind].append(float(packet.pts * packet.time_base))
    if seconds is None:
        return {kind: len(found) for kind, found in times.items()}
    return {kind: sum(t < min(found) + seconds for t in found) for kind, found in times.items() if found}


def refused(process: subprocess.Popen[bytes], timeout: float = 30) -> str:
    """The stderr of a publisher that must fail to connect; fails if it connected and kept sending."""
    try:
        _out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the publisher was let in and kept sending") from None
    assert process.returncode != 0, "the publisher was let in"
    return err.decode(errors="replace")
