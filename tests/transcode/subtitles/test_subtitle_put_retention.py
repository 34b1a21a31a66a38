"""A PD's subtitle PUT deletes the version it replaced once it has committed, so the store holds
only the live version's files; but never while a render of the asset is running, which may still
read the version it planned against (a clip render burning those subtitles in): that version goes
with the workers' next sweep once the render has ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shopcast.jobs.models import Job
from tests.harness.media import ffmpeg
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state
from transcode.subtitles.models import SubtitleTrack

SOURCE_S = 40


@dataclass(frozen=True)
class Asset:
    token: str
    id: str

    @property
    def subtitles(self) -> str:
        return f"assets/{self.id}/subtitles/"


@pytest.fixture(scope="module")
def asset(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Asset:
    """A creator's probed, silent 40 s 360p asset: no Whisper job, so only edits write subtitles."""
    source = tmp_path_factory.mktemp("subtitle-retention") / "silent_360p.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", str(SOURCE_S),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(source),
    )  # fmt: skip
    token = stack.user(f"subs-retention-{stack.name}", "creator")
    with stack.client(token) as client:
        asset_id = upload(client, source)
        wait_for_state(client, asset_id, {"ready"}, timeout=120)
    return Asset(token, asset_id)


def _put(client: httpx.Client, asset: Asset, language: str, text: str) -> dict[str, Any]:
    vtt = f"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n{text}\n"
    answer = client.put(
        f"/v1/assets/{asset.id}/subtitles/{language}",
        content=vtt.encode(),
        headers={"Content-Type": "text/vtt"},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _track_prefix(stack: Stack, asset: Asset, language: str) -> str:
    with stack.runtime.sessions() as session:
        track = session.get(SubtitleTrack, (asset.id, language))
        assert track is not None
        return track.prefix


def _keys(stack: Stack, asset: Asset, language: str) -> list[str]:
    return [
        k
        for k in stack.runtime.store.list_keys(asset.subtitles)
        if k.endswith((f"/{language}.vtt", f"/{language}.srt"))
    ]


def _files(prefix: str, language: str) -> list[str]:
    return [f"{prefix}/{language}.srt", f"{prefix}/{language}.vtt"]


def test_two_puts_leave_only_the_latest_versions_files(stack: Stack, asset: Asset) -> None:
    with stack.client(asset.token) as client:
        _put(client, asset, "ko", "첫 번째 자막")
        first = _track_prefix(stack, asset, "ko")
        assert _keys(stack, asset, "ko") == _files(first, "ko")
        latest = _put(client, asset, "ko", "고친 자막")
        served = httpx.get(latest["vtt_url"], timeout=10).text
    second = _track_prefix(stack, asset, "ko")
    assert second != first
    assert _keys(stack, asset, "ko") == _files(second, "ko"), "the replaced version's files are gone"
    assert "고친 자막" in served, "the live version is the second one"


def _render_job_state(stack: Stack, asset: Asset) -> str:
    with stack.runtime.sessions() as session:
        states = list(
            session.scalars(select(Job.state).where(Job.asset_id == asset.id, Job.kind == "render_clip"))
        )
    assert len(states) == 1, states
    return str(states[0])


def test_a_version_a_running_render_planned_against_stays_until_it_is_done(
    stack: Stack, asset: Asset
) -> None:
    whole = {"in_s": 0.0, "out_s": float(SOURCE_S)}
    body = {"asset_id": asset.id, "ranges": [whole] * 3, "burn_subtitles": "en"}  # 120 s to render
    with stack.client(asset.token) as client:
        _put(client, asset, "en", "Planned against")
        planned = _track_prefix(stack, asset, "en")
        created = client.post("/v1/clips", json=body)
        assert created.status_code == 201, created.text
        clip_url = f"/v1/clips/{created.json()['id']}"
        poll(
            lambda: client.get(clip_url).json(),
            lambda clip: clip["state"] != "queued",
            timeout_s=120,
            interval_s=0.1,
            what="the clip never started rendering",
        )
        assert _render_job_state(stack, asset) == "running"
        _put(client, asset, "en", "Corrected while rendering")
        kept = _keys(stack, asset, "en")
        still_running = _render_job_state(stack, asset) == "running"
        clip = poll(
            lambda: client.get(clip_url).json(),
            lambda clip: clip["state"] in ("ready", "failed"),
            timeout_s=300,
            interval_s=0.5,
            what="the clip never finished rendering",
        )
        assert still_running, "the render ended before the check: too fast for this test to show anything"
        assert set(_files(planned, "en")) <= set(kept), "the version the render planned against stayed"
        assert clip["state"] == "ready", clip["error"]
        poll(  # the render has ended: the workers' sweep deletes the version kept for it
            lambda: set(_keys(stack, asset, "en")),
            lambda keys: not set(_files(planned, "en")) & keys,
            timeout_s=30,
            interval_s=0.5,
            what="the version kept for the render stayed after it ended",
        )

        replaced = _track_prefix(stack, asset, "en")
        _put(client, asset, "en", "Corrected once more")
    latest = _track_prefix(stack, asset, "en")
    keys = _keys(stack, asset, "en")
    assert set(_files(latest, "en")) <= set(keys)
    assert not set(_files(replaced, "en")) & set(keys), "with no render running, the replaced version went"
