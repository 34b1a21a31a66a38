"""Korean speech on a stack whose subtitles use a text translator (a LibreTranslate-compatible server
on loopback): the creator's catalogue biases the Korean, English is translated from the Korean cues,
a PD's corrected Korean is translated again while a PD's corrected English stands; and a draft
translation is refused by the overseas profile until a PD corrects it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.harness.libretranslate import Translator, serve
from tests.harness.media import ffmpeg
from tests.harness.polling import poll
from tests.harness.services import free_port
from tests.harness.speech import KoreanSpeechMissing, SpeechFactory
from tests.harness.stack import Stack, boot
from tests.harness.tus import upload, wait_for_job
from tests.publisher.studio import create_channel
from transcode.subtitles.models import SubtitleTrack


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Translator]]:
    phrase_book = Translator()
    server = serve(phrase_book)
    env = {"SHOPCAST_TRANSLATE_URL": server.base_url}
    running = boot("translated", env, tmp_path_factory.mktemp("translated"), free_port())
    try:
        yield running, phrase_book
    finally:
        running.stop_all()
        server.close()


@pytest.fixture(scope="module")
def korean_video(speech: SpeechFactory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        audio = speech.korean_show()
    except KoreanSpeechMissing as missing:
        pytest.skip(f"no Korean voice to speak the show: {missing}")
    path = tmp_path_factory.mktemp("ko-video") / "ko_show.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-i", str(audio), "-shortest",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000",
           str(path))  # fmt: skip
    return path


def _track(asset: dict[str, Any], language: str) -> dict[str, Any]:
    return next(s for s in asset["subtitles"] if s["language"] == language)


def _text(track: dict[str, Any]) -> str:
    answer = httpx.get(track["vtt_url"])
    assert answer.status_code == 200
    return answer.text


def _put(client: httpx.Client, asset_id: str, language: str, cue: str) -> dict[str, Any]:
    vtt = f"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n{cue}\n"
    answer = client.put(f"/v1/assets/{asset_id}/subtitles/{language}", content=vtt.encode(),
                        headers={"Content-Type": "text/vtt"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _jobs(client: httpx.Client, asset_id: str, kind: str) -> list[dict[str, Any]]:
    return [job for job in client.get(f"/v1/assets/{asset_id}").json()["jobs"] if job["kind"] == kind]


def _uploaded(client: httpx.Client, video: Path) -> dict[str, Any]:
    asset_id = upload(client, video)
    return wait_for_job(client, asset_id, "subtitles", timeout_s=240, interval_s=0.5, what="no subtitles")


def test_a_text_translator_translates_the_korean_and_again_after_a_pds_correction(
    translated: tuple[Stack, Translator], korean_video: Path
) -> None:
    stack, phrase_book = translated
    with stack.client(stack.user("ko-creator", "creator")) as client:
        product = {"sku": "JEJU-1", "name": "제주 감귤", "aliases": ["감귤"]}
        assert client.post("/v1/products", json=product).status_code == 201
        asset = _uploaded(client, korean_video)
        korean, english = _track(asset, "ko"), _track(asset, "en")
        # the catalogue reached the worker's decoder: without it base writes "제주강불"
        assert "제주 감귤" in _text(korean)
        assert (english["kind"], english["origin"], english["quality"]) == ("translation", "whisper", "ok")
        assert "Jeju tangerines" in _text(english)  # the phrase book's English, not Whisper's
        assert any(isinstance(r["q"], list) and r["source"] == "ko" for r in phrase_book.requests)

        _put(client, asset["id"], "ko", "국산 참기름이 9,900원")
        retranslated = poll(
            lambda: client.get(f"/v1/assets/{asset['id']}").json(),
            lambda found: _track(found, "en")["origin"] == "translator",
            timeout_s=60,
            what="the corrected Korean translated again",
        )
        english = _track(retranslated, "en")
        assert (english["version"], english["quality"]) == (2, "ok")
        assert "sesame oil" in _text(english)
        assert "Jeju" not in _text(english)

        _put(client, asset["id"], "en", "Domestic sesame oil, 9,900 won")
        _put(client, asset["id"], "ko", "국산 참기름이 9,900원, 무료 배송")
        assert len(_jobs(client, asset["id"], "translate_subtitles")) == 1, "the PD's English stands"
        final = client.get(f"/v1/assets/{asset['id']}").json()
        assert _track(final, "en")["origin"] == "edit"
        assert "Domestic sesame oil" in _text(_track(final, "en"))


def test_an_overseas_channel_gets_no_draft_translation_until_a_pd_corrects_it(
    translated: tuple[Stack, Translator], korean_video: Path
) -> None:
    stack, _ = translated
    admin, creator = stack.user("ko-admin", "admin"), stack.user("ko-seller", "creator")
    with stack.client(admin) as client:
        channel = create_channel(client, "overseas-mall", "overseas", {"type": "pull"}, [])
    with stack.client(creator) as client:
        asset = _uploaded(client, korean_video)
        # As Whisper's own English of this show is judged (test_transcriber.py): a draft
        with stack.runtime.sessions() as session, session.begin():
            session.execute(
                update(SubtitleTrack)
                .where(SubtitleTrack.asset_id == asset["id"], SubtitleTrack.language == "en")
                .values(quality="draft")
            )
        assert _track(client.get(f"/v1/assets/{asset['id']}").json(), "en")["quality"] == "draft"

        refused = _published(client, asset["id"], channel["id"])
        assert refused["state"] == "failed", refused
        assert [v["code"] for v in refused["violations"]] == ["subtitles_draft"], refused

        assert _put(client, asset["id"], "en", "Jeju tangerines, 19,000 won a box")["quality"] == "ok"
        delivered = _published(client, asset["id"], channel["id"])
        assert delivered["state"] == "delivered", delivered


def _published(client: httpx.Client, asset_id: str, channel_id: str) -> dict[str, Any]:
    answer = client.post("/v1/publications", json={"asset_id": asset_id, "channel_id": channel_id})
    assert answer.status_code == 201, answer.text
    publication_id = answer.json()["id"]
    found: dict[str, Any] = poll(
        lambda: client.get(f"/v1/publications/{publication_id}").json(),
        lambda publication: publication["state"] in ("delivered", "failed"),
        timeout_s=180,
        what="the publication settled",
    )
    return found
