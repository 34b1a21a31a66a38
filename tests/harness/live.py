"""Live publishing in tests: a source with sync marks, FFmpeg's WHIP muxer, and A/V sync measurement.

The source flashes a white frame and beeps at the same instants (every 2 s from 1 s) over speech, so a
recording's A/V offset is the gap between the flashes and the beeps it contains.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from av.video.codeccontext import VideoCodecContext

from tests.harness.media import FFMPEG, ffmpeg
from tests.harness.polling import poll
from tests.harness.speech import SpeechFactory

MARK_EVERY_S = 2.0
MARK_FIRST_S = 1.0


def marked_source(folder: Path, speech: SpeechFactory, seconds: int, size: str = "1280x720") -> Path:
    """H.264 constrained baseline 30 fps (no B-frames, GOP 1 s) with Opus: what WHIP carries."""
    path = folder / f"live_source_{seconds}s_{size}.mkv"
    if path.exists():
        return path
    talk, _ = speech.long_track(seconds)
    flash = f"between(mod(t-{MARK_FIRST_S},{MARK_EVERY_S}),0,0.099)*gte(t,{MARK_FIRST_S})"
    beep = f"between(mod(t-{MARK_FIRST_S},{MARK_EVERY_S}),0,0.1)*gte(t,{MARK_FIRST_S})"
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"aevalsrc='0.8*{beep}*sin(2*PI*1000*t)':s=48000:d={seconds}",
        "-i", str(talk),
        "-filter_complex",
        f"[0:v]drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='{flash}'[v];"
        "[2:a]aresample=48000,volume=0.15,apad[s];[1:a][s]amix=inputs=2:duration=first:normalize=0[a]",
        "-map", "[v]", "-map", "[a]", "-t", str(seconds),
        "-c:v", "libx264", "-profile:v", "baseline", "-bf", "0", "-g", "30", "-preset", "veryfast",
        "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k",
        "-c:a", "libopus", "-b:a", "96k", "-ac", "2", "-ar", "48000",
        str(path),
    )  # fmt: skip
    return path


def publish(source: Path, url: str, key: str, loops: int = 0) -> subprocess.Popen[bytes]:
    """FFmpeg's own WHIP muxer sends `source` in real time without re-encoding it."""
    return subprocess.Popen(
        [
            FFMPEG, "-hide_banner", "-loglevel", "warning", "-re", "-stream_loop", str(loops),
            "-i", str(source), "-c", "copy", "-authorization", key, "-f", "whip", url,
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def new_stream(client: httpx.Client, title: str) -> dict[str, str]:
    """A new, idle live stream of the client's user, with its WHIP URL and stream key."""
    response = client.post("/v1/live-streams", json={"title": title})
    assert response.status_code == 201, response.text
    stream: dict[str, str] = response.json()
    assert stream["state"] == "idle"
    assert stream["whip_url"].endswith("/v1/live/whip")
    return stream


def whip_headers(stream_key: str) -> dict[str, str]:
    """The headers of a WHIP offer published with `stream_key`."""
    return {"Content-Type": "application/sdp", "Authorization": f"Bearer {stream_key}"}


def plain_offer(video: str, audio: str) -> str:
    """A minimal SDP offer of one video and one audio track in these codecs (no ICE: it cannot connect)."""
    return (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        f"m=video 9 UDP/TLS/RTP/SAVPF 98\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:98 {video}/90000\r\na=sendonly\r\n"
        f"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 {audio}\r\na=sendonly\r\n"
    )


def wait_for(client: httpx.Client, path: str, done: str, timeout: float = 120) -> dict[str, Any]:
    """Poll `path` until the field `done` is truthy; returns the last body."""
    body: dict[str, Any] = poll(
        lambda: client.get(path).json(),
        lambda body: bool(body.get(done)),
        timeout_s=timeout,
        interval_s=0.3,
        what=lambda body: f"{path} never had {done}: {body}",
    )
    return body


def flash_times(path: Path) -> list[float]:
    """When the picture turns white (onsets only)."""
    times, lit = [], False
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            luma = frame.to_ndarray(format="gray")
            now_lit = float(luma.mean()) > 200
            if now_lit and not lit and frame.time is not None:
                times.append(float(frame.time))
            lit = now_lit
    return times


def _decodable(packets: Iterator[av.Packet[Any]]) -> Iterator[av.AudioFrame]:
    """The frames of the packets that decode: a file whose sender hung up mid-packet (an SRT peer
    does) ends with a torn one, which is not the sync being measured."""
    for packet in packets:
        try:
            decoded = packet.decode()
        except av.error.InvalidDataError:
            continue
        for frame in decoded:
            if isinstance(frame, av.AudioFrame):
                yield frame


def beep_times(path: Path) -> list[float]:
    """When the loud 1 kHz beeps start (speech is mixed 15 dB lower)."""
    times: list[float] = []
    quiet_until = -1.0
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in _decodable(container.demux(stream)):
            if frame.time is None:
                continue
            samples = frame.to_ndarray()
            mono = np.abs(samples).max(axis=0) if samples.ndim > 1 else np.abs(samples)
            loud = np.nonzero(mono > 0.5)[0]
            if loud.size:
                at = float(frame.time) + int(loud[0]) / frame.sample_rate
                if at > quiet_until:
                    times.append(at)
                quiet_until = at + 0.5
    return times


def av_offsets(path: Path) -> list[float]:
    """Seconds by which each beep follows its flash."""
    flashes, beeps = flash_times(path), beep_times(path)
    offsets = []
    for flash in flashes:
        nearest = min(beeps, key=lambda beep: abs(beep - flash), default=None)
        if nearest is not None and abs(nearest - flash) < MARK_EVERY_S / 2:
            offsets.append(nearest - flash)
    return offsets


def h264_frames(width: int, height: int, count: int, gop: int = 10) -> list[bytes]:
    """Annex B access units of a moving test picture, constrained baseline, as WHIP carries them."""
    options = {"profile": "baseline", "g": str(gop), "bf": "0", "preset": "ultrafast", "repeat-headers": "1"}
    return _encoded_frames("libx264", options, width, height, count)


def vp8_frames(width: int, height: int, count: int, gop: int = 10) -> list[bytes]:
    """VP8 frames of a moving test picture, as a browser sends them."""
    options = {"g": str(gop), "deadline": "realtime", "cpu-used": "8"}
    return _encoded_frames("libvpx", options, width, height, count)


def _encoded_frames(
    encoder: str, options: dict[str, str], width: int, height: int, count: int
) -> list[bytes]:
    codec = av.CodecContext.create(encoder, "w")
    assert isinstance(codec, VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base = Fraction(1, 30)
    codec.options = options
    frames = []
    for n in range(count):
        picture = np.full((height, width, 3), (n * 7) % 255, dtype=np.uint8)
        image = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(format="yuv420p")
        image.pts = n
        frames += [bytes(p) for p in codec.encode(image)]
    frames += [bytes(p) for p in codec.encode(None)]
    return frames


def opus_frames(count: int) -> list[bytes]:
    """Opus packets of 20 ms of stereo silence at 48 kHz."""
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate, codec.layout, codec.format = 48000, "stereo", "s16"
    packets = []
    for n in range(count):
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1920), dtype=np.int16), format="s16", layout="stereo")
        frame.sample_rate, frame.pts = 48000, n * 960
        packets += [bytes(p) for p in codec.encode(frame)]
    return packets


@dataclass(frozen=True)
class WhipExchange:
    """What a WHIP server answered: the offer's POST, then the DELETE of its session."""

    status: int
    content_type: str
    location: str
    etag: str
    answer: str
    delete_status: int


@asynccontextmanager
async def vp8_opus_peer(source: Path) -> AsyncIterator[RTCPeerConnection]:
    """An aiortc peer that sends `source` as VP8 + Opus once connected, its offer already its local
    description; closed, and its player stopped, on leaving."""
    player = MediaPlayer(str(source))
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # [] and not None: no public STUN server
    try:
        assert player.video is not None
        assert player.audio is not None
        video = pc.addTransceiver(player.video, direction="sendonly")
        pc.addTransceiver(player.audio, direction="sendonly")
        capabilities = RTCRtpSender.getCapabilities("video")
        assert capabilities is not None
        video.setCodecPreferences(
            [c for c in capabilities.codecs if c.mimeType in ("video/VP8", "video/rtx")]
        )
        await pc.setLocalDescription(await pc.createOffer())
        yield pc
    finally:
        await pc.close()
        if player.video is not None:
            player.video.stop()


async def publish_with_aiortc(url: str, key: str, source: Path, send_s: float) -> WhipExchange:
    """A second real WebRTC stack: an aiortc peer sends `source` as VP8 + Opus for `send_s` seconds,
    then ends the session with DELETE on its Location."""
    async with vp8_opus_peer(source) as pc, httpx.AsyncClient(timeout=20) as http:
        answer = await http.post(url, content=pc.localDescription.sdp, headers=whip_headers(key))
        assert answer.status_code == 201, answer.text
        await pc.setRemoteDescription(RTCSessionDescription(answer.text, "answer"))
        await asyncio.sleep(send_s)  # the peer sends for this long: pacing, not a wait for a state
        resource = httpx.URL(url).join(answer.headers["location"])
        deleted = await http.delete(resource, headers={"Authorization": f"Bearer {key}"})
    return WhipExchange(
        answer.status_code,
        answer.headers.get("content-type", ""),
        answer.headers.get("location", ""),
        answer.headers.get("etag", ""),
        answer.text,
        deleted.status_code,
    )
