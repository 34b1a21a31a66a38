"""Every asset with audio gets subtitles from the real Whisper model: cue files, an HLS subtitle
rendition, the subtitles.ready event, and PDs' corrections through the API."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pysubs2
import webvtt

from tests.harness.events import event_count
from tests.harness.media import FFMPEG, ffmpeg
from tests.harness.speech import SpeechFactory
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_job
from tests.transcode.outputs import wait_for_ladder


def _with_picture(audio: Path, folder: Path, name: str) -> Path:
    """A small video whose sound is `audio`, as creators upload them."""
    path = folder / f"{name}.mp4"
    if not path.exists():
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-i", str(audio), "-shortest",
               "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
               str(path))  # fmt: skip
    return path


def _wait_for_subtitles(client: httpx.Client, asset_id: str, timeout: float = 240) -> dict[str, Any]:
    return wait_for_job(client, asset_id, "subtitles", timeout_s=timeout, interval_s=0.5, what="no subtitles")


def test_spoken_english_becomes_cue_files_and_a_subtitle_rendition(
    stack: Stack, speech: SpeechFactory, tmp_path: Path
) -> None:
    video = _with_picture(speech.pitch(), tmp_path, "pitch")
    with stack.client(stack.user(f"subs-{stack.name}", "creator")) as client:
        asset_id = upload(client, video)
        asset = _wait_for_subtitles(client, asset_id)
        ladder = wait_for_ladder(client, asset_id)
    assert [(s["language"], s["kind"], s["origin"]) for s in asset["subtitles"]] == [
        ("en", "transcript", "whisper")
    ]
    track = asset["subtitles"][0]
    vtt = httpx.get(track["vtt_url"])
    assert vtt.status_code == 200
    assert vtt.headers["content-type"].startswith("text/vtt")
    cues = webvtt.from_buffer(io.StringIO(vtt.text))
    spoken = " ".join(cue.text for cue in cues.captions).lower()
    assert "bottle" in spoken
    assert "shipping" in spoken
    srt = httpx.get(track["srt_url"])
    assert len(pysubs2.SSAFile.from_string(srt.text)) == len(cues.captions)
    assert httpx.get(track["vtt_url"].replace("token=", "token=1")).status_code == 403
    assert event_count(stack, asset_id, "subtitles.ready") == 1

    master_url = ladder["playback"]["hls"]
    master = httpx.get(master_url).text
    assert '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs"' in master
    assert 'LANGUAGE="en"' in master
    assert 'SUBTITLES="subs"' in master
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-v", "error", "-i", master_url, "-map", "0:s:0", "-f", "webvtt", "-"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "bottle" in done.stdout.lower(), "FFmpeg reads the cues through the master's subtitle group"


def test_a_pd_corrects_subtitles_and_a_bad_file_changes_nothing(
    stack: Stack, speech: SpeechFactory, tmp_path: Path
) -> None:
    creator, pd = f"editee-{stack.name}", f"editor-{stack.name}"
    creator_token, pd_token = stack.user(creator, "creator"), stack.user(pd, "pd")
    stack.assign(pd, creator)
    video = _with_picture(speech.pitch(), tmp_path, "pitch")
    with stack.client(creator_token) as client:
        asset_id = upload(client, video)
        _wait_for_subtitles(client, asset_id)
    corrected = "WEBVTT\n\n00:00:00.500 --> 00:00:03.000\nWelcome to tonight's LIVE show!\n"
    with stack.client(pd_token) as client:
        answer = client.put(
            f"/v1/assets/{asset_id}/subtitles/en", content=corrected, headers={"Content-Type": "text/vtt"}
        )
        assert answer.status_code == 200, answer.text
        assert (answer.json()["origin"], answer.json()["version"]) == ("edit", 2)
        korean = "1\n00:00:00,500 --> 00:00:03,000\n오늘 밤 라이브 쇼에 오신 것을 환영합니다!\n"
        added = client.put(
            f"/v1/assets/{asset_id}/subtitles/ko",
            content=korean.encode("cp949"),
            headers={"Content-Type": "text/plain"},
        )
        assert added.status_code == 200, added.text
        assert added.json()["kind"] == "translation", "the spoken language was English"

        broken = "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nbackwards\n"
        refused = client.put(
            f"/v1/assets/{asset_id}/subtitles/en", content=broken, headers={"Content-Type": "text/vtt"}
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "invalid_subtitles"
        assert "line 3" in refused.json()["error"]["message"]
        asset = client.get(f"/v1/assets/{asset_id}").json()
    languages = {s["language"]: s for s in asset["subtitles"]}
    assert httpx.get(languages["en"]["vtt_url"]).text.count("LIVE show!") == 1, "the correction, still"
    assert "환영합니다" in httpx.get(languages["ko"]["srt_url"]).text
    assert event_count(stack, asset_id, "subtitles.ready") == 3

    with stack.client(stack.user(f"subs-stranger-{stack.name}", "creator")) as client:
        denied = client.put(f"/v1/assets/{asset_id}/subtitles/en", content=corrected)
        assert denied.status_code == 404, "another creator does not learn the asset exists"


def test_silence_gives_no_cues_and_still_says_it_is_done(
    stack: Stack, speech: SpeechFactory, tmp_path: Path
) -> None:
    video = _with_picture(speech.silence(8), tmp_path, "silence")
    with stack.client(stack.user(f"quiet-{stack.name}", "creator")) as client:
        asset_id = upload(client, video)
        asset = _wait_for_subtitles(client, asset_id)
    assert asset["subtitles"] == []
    assert event_count(stack, asset_id, "subtitles.ready") == 1
