"""Ready assets become a signed CMAF HLS ladder that any player can fetch and decode."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from tests.harness.events import event_count
from tests.harness.media import FFMPEG, MediaFactory
from tests.harness.polling import poll
from tests.harness.quality import vmaf
from tests.harness.stack import Stack
from tests.harness.tus import upload
from tests.transcode.outputs import fetch_rung, playlist_uris, single_output_set, wait_for_ladder

EXPECTED_RUNGS = {
    "h264_1080p": [(1920, 1080), (1280, 720), (960, 540), (640, 360)],
    "hevc_vertical": [(720, 1280), (540, 960), (360, 640)],
    "mpeg2_interlaced": [(1920, 1080), (1280, 720), (960, 540), (640, 360)],
}


def _source(media: MediaFactory, kind: str) -> tuple[Path, float]:
    return {
        "h264_1080p": (media.h264_aac_1080p30(), 4.0),
        "hevc_vertical": (media.hevc_vertical_vfr(), 3.0),
        "mpeg2_interlaced": (media.mpeg2_1080i_ac3_ts(), 3.0),
    }[kind]


@pytest.mark.parametrize("kind", list(EXPECTED_RUNGS))
def test_ready_asset_gets_a_playable_signed_ladder(
    stack: Stack, media: MediaFactory, kind: str, tmp_path: Path
) -> None:
    path, source_duration = _source(media, kind)
    with stack.client(stack.user(f"ladder-{kind}-{stack.name}", "creator")) as client:
        asset_id = upload(client, path)
        asset = wait_for_ladder(client, asset_id)
    transcode = next(j for j in asset["jobs"] if j["kind"] == "transcode")
    assert transcode["state"] == "succeeded", transcode["error"]
    assert [(r["width"], r["height"]) for r in asset["renditions"]] == EXPECTED_RUNGS[kind]

    master_url = asset["playback"]["hls"]
    master = httpx.get(master_url, headers={"Origin": "https://shop.example"})
    assert master.status_code == 200
    assert master.headers["access-control-allow-origin"] == "*", "browsers' players may fetch it"
    stream_infs = [line for line in master.text.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert len(stream_infs) == len(EXPECTED_RUNGS[kind])
    for attributes in stream_infs:
        for name in ("BANDWIDTH=", "AVERAGE-BANDWIDTH=", "CODECS=", "RESOLUTION=", "FRAME-RATE="):
            assert name in attributes
    base = master_url.split("?", 1)[0].rsplit("/", 1)[0]
    variant_uris = playlist_uris(master.text)
    assert all("?token=" in uri for uri in variant_uris)
    audio_start = None
    if kind == "hevc_vertical":
        assert "TYPE=AUDIO" not in master.text
    else:
        assert all('AUDIO="audio"' in attributes for attributes in stream_infs)
        audio_start = _audio_start(base, master.text, source_duration)

    top_rung = b""
    for uri, (width, height) in zip(variant_uris, EXPECTED_RUNGS[kind], strict=True):
        playlist = httpx.get(f"{base}/{uri}").text
        assert all("?token=" in segment for segment in playlist_uris(playlist))
        rung_base = f"{base}/{uri.split('/')[0]}"
        init, segments, durations = fetch_rung(rung_base, playlist)
        top_rung = top_rung or init + b"".join(segments)
        assert all(d <= 6.0 for d in durations)
        assert all(d >= 4.0 for d in durations[:-1])
        assert sum(durations) == pytest.approx(source_duration, abs=0.1)
        _check_rung(init, segments, width, height, audio_start)
    assert event_count(stack, asset_id, "asset.playable") == 1
    assert event_count(stack, asset_id, "renditions.ready") == 1
    if kind == "h264_1080p":
        (tmp_path / "top.mp4").write_bytes(top_rung)
        quality = vmaf(tmp_path / "top.mp4", path, tmp_path / "vmaf.json")
        assert quality.frames == round(source_duration * 30), "every source frame, none repeated or lost"
        assert quality.mean >= 93, f"top rung VMAF {quality.mean:.1f} (minimum frame {quality.minimum:.1f})"


def _audio_start(base: str, master: str, source_duration: float) -> float:
    """The one audio rendition every rung names: AAC-LC 48 kHz stereo, as long as the source.
    Returns its first timestamp."""
    uri = re.search(r'#EXT-X-MEDIA:TYPE=AUDIO,.*URI="([^"]+)"', master)
    assert uri is not None, "the audio is a rendition of its own"
    playlist = httpx.get(f"{base}/{uri.group(1)}").text
    init, segments, durations = fetch_rung(f"{base}/{uri.group(1).split('/')[0]}", playlist)
    assert sum(durations) == pytest.approx(source_duration, abs=0.1)
    with av.open(io.BytesIO(init + b"".join(segments)), mode="r") as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac"
        assert audio.codec_context.sample_rate == 48000
        assert audio.codec_context.channels == 2
        assert audio.start_time is not None
        assert audio.time_base is not None
        return float(audio.start_time * audio.time_base)


def _check_rung(
    init: bytes, segments: list[bytes], width: int, height: int, audio_start: float | None
) -> None:
    for segment in segments:
        with av.open(io.BytesIO(init + segment), mode="r") as container:
            video = container.streams.video[0]
            first = next(container.demux(video))
            assert first.is_keyframe, "every segment starts with a keyframe"
    with av.open(io.BytesIO(init + b"".join(segments)), mode="r") as container:
        assert not container.streams.audio, "rungs are video only; the audio rendition is shared"
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (width, height)
        frame = next(container.decode(video))
        assert not frame.interlaced_frame
        assert video.start_time is not None
        assert video.time_base is not None
        if audio_start is not None:
            video_start = float(video.start_time * video.time_base)
            assert abs(video_start - audio_start) < 0.040, "A/V offset"


def test_ffmpeg_plays_the_signed_master_without_headers(stack: Stack, media: MediaFactory) -> None:
    with stack.client(stack.user(f"player-{stack.name}", "creator")) as client:
        asset_id = upload(client, media.vp9_webm_silent())
        asset = wait_for_ladder(client, asset_id)
    done = subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-v",
            "error",
            "-i",
            asset["playback"]["hls"],
            "-map",
            "0:v:0",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_playback_refuses_bad_or_expired_tokens(stack: Stack, media: MediaFactory) -> None:
    with stack.client(stack.user(f"tokens-{stack.name}", "creator")) as client:
        asset_id = upload(client, media.vp9_webm_silent())
        asset = wait_for_ladder(client, asset_id)
    url = asset["playback"]["hls"]
    base, token = url.split("?token=")
    expires, signature = token.split(".")
    assert httpx.get(base).status_code == 403
    assert httpx.get(f"{base}?token={expires}.{signature[::-1]}").status_code == 403
    assert httpx.get(f"{base}?token={int(expires) + 60}.{signature}").status_code == 403
    assert httpx.get(f"{base}?token=1.{signature}").status_code == 403
    other = base.replace(asset_id, "f" * 32)
    assert httpx.get(f"{other}?token={token}").status_code == 403


def _first_playable(client: httpx.Client, asset_id: str, timeout: float = 60) -> dict[str, Any]:
    """The asset as soon as `playback.hls` appears."""
    asset: dict[str, Any] = poll(
        lambda: client.get(f"/v1/assets/{asset_id}").json(),
        lambda asset: bool(asset["playback"]["hls"]),
        timeout_s=timeout,
        interval_s=0.1,
        what=lambda asset: f"nothing playable after {timeout} s: {asset}",
    )
    return asset


def test_h264_source_plays_from_a_remux_before_its_ladder_is_done(stack: Stack, media: MediaFactory) -> None:
    """The preview publishes the source's own H.264 within seconds; the ladder then replaces it."""
    with stack.client(stack.user(f"preview-{stack.name}", "creator")) as client:
        asset_id = upload(client, media.h264_aac_1080p30(seconds=20))
        early = _first_playable(client, asset_id)
        transcode = next(j for j in early["jobs"] if j["kind"] == "transcode")
        assert transcode["state"] != "succeeded", "the preview came first"
        assert [(r["name"], r["passthrough"]) for r in early["renditions"]] == [("source", True)]
        master = httpx.get(early["playback"]["hls"]).text
        assert master.count("#EXT-X-STREAM-INF") == 1
        done = wait_for_ladder(client, asset_id)
    assert len(done["renditions"]) == 4
    transcode = next(j for j in done["jobs"] if j["kind"] == "transcode")
    assert transcode["speed"] > 0, "the last speed FFmpeg reported (media seconds per second) is kept"
    assert event_count(stack, asset_id, "asset.playable") == 1
    single_output_set(stack, asset_id)  # the preview's files are removed once the ladder replaces them


def test_other_sources_play_from_a_quick_lowest_rung_before_their_ladder_is_done(
    stack: Stack, media: MediaFactory
) -> None:
    """Interlaced MPEG-2 cannot be repackaged: its first playable HLS is the lowest rung, encoded fast."""
    with stack.client(stack.user(f"quick-{stack.name}", "creator")) as client:
        asset_id = upload(client, media.mpeg2_1080i_ac3_ts(seconds=20))
        early = _first_playable(client, asset_id)
        transcode = next(j for j in early["jobs"] if j["kind"] == "transcode")
        assert transcode["state"] != "succeeded", "the quick rung came first"
        assert [(r["name"], r["passthrough"]) for r in early["renditions"]] == [("360p", False)]
        master = httpx.get(early["playback"]["hls"])
        assert master.status_code == 200
        assert "RESOLUTION=640x360" in master.text
        done = wait_for_ladder(client, asset_id)
    assert [r["name"] for r in done["renditions"]] == ["1080p", "720p", "540p", "360p"]
    assert event_count(stack, asset_id, "asset.playable") == 1
    single_output_set(stack, asset_id)
