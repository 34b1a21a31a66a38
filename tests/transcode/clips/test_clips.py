"""Clips from edit lists: ranges joined frame-accurately, framed to 9:16 by a focus point, Korean
title, product overlays and re-timed subtitles burned in, product tags re-timed, and every edit that
cannot render refused before anything is queued."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from sqlalchemy import func, select

from shopcast.events.models import Event
from shopcast.jobs.models import Job
from tests.harness.clip_media import landscape_1080p_with_tone
from tests.harness.events import event_count
from tests.harness.media import MediaFactory
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state

FPS = 30
# Full-range luma: the test pattern's brightest bar (yellow) is about 226, drawn text 255; an overlay's
# translucent black box brings the yellow bar below 180. The pattern's moving line crosses regions at times.
WHITE = 245
DARKENED = 180


@dataclass(frozen=True)
class Studio:
    creator: str
    pd: str
    asset_id: str


@pytest.fixture(scope="module")
def studio(stack: Stack, media: MediaFactory) -> Studio:
    """A creator with an assigned PD and a probed 60 s 1920x1080 asset."""
    creator, pd = f"clip-creator-{stack.name}", f"clip-pd-{stack.name}"
    creator_token, pd_token = stack.user(creator, "creator"), stack.user(pd, "pd")
    stack.assign(pd, creator)
    with stack.client(creator_token) as client:
        asset_id = upload(client, landscape_1080p_with_tone(media.folder))
        wait_for_state(client, asset_id, {"ready"}, timeout=120)
    return Studio(creator_token, pd_token, asset_id)


Box = tuple[float, float, float, float]  # left, top, right, bottom as fractions of the frame


@dataclass(frozen=True)
class Luma:
    width: int
    height: int
    stride: int
    data: bytes

    def samples(self, box: Box) -> list[int]:
        left, top, right, bottom = box
        rows = range(int(top * self.height), int(bottom * self.height))
        columns = range(int(left * self.width), int(right * self.width))
        return [self.data[row * self.stride + x] for row in rows for x in columns]

    def white(self, box: Box) -> int:
        """How many samples in the box are drawn text (the pattern has nothing that bright)."""
        return sum(1 for value in self.samples(box) if value > WHITE)

    def darkened(self, box: Box) -> float:
        """The share of the box darker than the pattern's yellow bar: under an overlay's box."""
        values = self.samples(box)
        return sum(1 for value in values if value < DARKENED) / len(values)


def _luma_at(path: Path, times: Iterable[float]) -> dict[float, Luma]:
    """The luma plane of the first frame at or after each time."""
    wanted, found = sorted(times), {}
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            while wanted and frame.time is not None and frame.time >= wanted[0]:
                plane = frame.reformat(format="gray").planes[0]
                found[wanted.pop(0)] = Luma(frame.width, frame.height, plane.line_size, bytes(plane))
            if not wanted:
                break
    assert not wanted, f"no frames at {wanted}"
    return found


@dataclass(frozen=True)
class MediaFacts:
    width: int
    height: int
    codec: str
    profile: str | None
    frames: int
    audio: list[str]
    duration_s: float


def _facts(path: Path) -> MediaFacts:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = [stream.codec_context.name for stream in container.streams.audio]
        frames = sum(1 for packet in container.demux(video) if packet.size)
        duration = (container.duration or 0) / av.time_base
        context = video.codec_context
        return MediaFacts(video.width, video.height, context.name, context.profile, frames, audio, duration)


def _wait_for_clip(client: httpx.Client, clip_id: str, timeout: float = 480) -> dict[str, Any]:
    clip: dict[str, Any] = poll(
        lambda: client.get(f"/v1/clips/{clip_id}").json(),
        lambda clip: clip["state"] in ("ready", "failed"),
        timeout_s=timeout,
        interval_s=0.5,
        what=lambda clip: f"clip not rendered after {timeout} s: {clip}",
    )
    assert clip["state"] == "ready", clip["error"]
    return clip


def _download(url: str, path: Path) -> Path:
    response = httpx.get(url, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    path.write_bytes(response.content)
    return path


def _render_jobs(stack: Stack, asset_id: str) -> int:
    with stack.runtime.sessions() as session:
        query = (
            select(func.count()).select_from(Job).where(Job.asset_id == asset_id, Job.kind == "render_clip")
        )
        return int(session.scalar(query) or 0)


def _event_data(stack: Stack, subject_id: str, type_: str) -> dict[str, Any]:
    with stack.runtime.sessions() as session:
        event = session.scalars(
            select(Event).where(Event.subject_id == subject_id, Event.type == type_)
        ).one()
        return dict(event.data)


EDIT: dict[str, Any] = {
    "ranges": [{"in_s": 10.0, "out_s": 13.0}, {"in_s": 40.0, "out_s": 42.0}],
    "aspect": "9:16",
    "focus": {"x": 0.5, "y": 0.5},
    "title": "겨울 니트 특가",
    # Source 11.0-12.5 s plays at 1.0-2.5 s of the clip.
    "overlays": [
        {"name": "캐시미어 니트", "price": 39000, "position": "bottom-left", "from_s": 11.0, "to_s": 12.5}
    ],
    "products": [
        {"sku": "KNIT-01", "name": "캐시미어 니트", "url": "https://shop.example/knit", "at_s": 41.0},
        {"sku": "SCARF-7", "name": "Wool scarf", "url": "https://shop.example/scarf", "at_s": 11.5},
    ],
}
RETIMED = [
    {"sku": "SCARF-7", "name": "Wool scarf", "url": "https://shop.example/scarf", "at_s": 1.5},
    {"sku": "KNIT-01", "name": "캐시미어 니트", "url": "https://shop.example/knit", "at_s": 4.0},
]


@dataclass(frozen=True)
class KnitClip:
    queued: dict[str, Any]  # the answer to POST /v1/clips
    replayed_id: str  # the answer to the same POST with the same Idempotency-Key
    ready: dict[str, Any]


@pytest.fixture(scope="module")
def knit_clip(stack: Stack, studio: Studio) -> KnitClip:
    """The two-range 9:16 clip with title, overlay and products, made by the PD; rendered once."""
    body = {"asset_id": studio.asset_id, **EDIT}
    key = {"Idempotency-Key": f"knit-{stack.name}"}
    with stack.client(studio.pd) as pd, stack.client(studio.creator) as creator:
        created = pd.post("/v1/clips", json=body, headers=key)
        assert created.status_code == 201, created.text
        replayed = pd.post("/v1/clips", json=body, headers=key)
        ready = _wait_for_clip(creator, created.json()["id"])  # the PD made it; the creator owns it
    return KnitClip(created.json(), replayed.json()["id"], ready)


def test_two_ranges_become_a_vertical_clip_with_korean_text_and_retimed_products(
    stack: Stack, studio: Studio, knit_clip: KnitClip, tmp_path: Path
) -> None:
    queued, clip = knit_clip.queued, knit_clip.ready
    assert queued["state"] == "queued"
    assert knit_clip.replayed_id == queued["id"]
    assert (queued["width"], queued["height"], queued["duration_s"]) == (1080, 1920, 5.0)
    assert [{k: p[k] for k in ("sku", "name", "url", "at_s")} for p in queued["products"]] == RETIMED
    assert clip["products"] == queued["products"]

    master = _download(clip["download_url"], tmp_path / "clip.mp4")
    facts = _facts(master)
    assert (facts.width, facts.height, facts.codec, facts.profile) == (1080, 1920, "h264", "High")
    assert facts.audio == ["aac"]
    assert abs(facts.frames - 5.0 * FPS) <= 1, f"{facts.frames} frames for 5.0 s of ranges"
    assert abs(facts.duration_s - 5.0) <= 1 / FPS

    frames_at = _luma_at(master, [0.5, 1.8, 3.2, 4.6])
    overlay_box = (0.06, 0.93, 0.45, 0.97)  # inside the bottom-left overlay, over the yellow bar
    title_box = (0.15, 0.0, 0.85, 0.1)
    assert frames_at[1.8].white(overlay_box) > 1000, "the product overlay's text shows at source 11.8 s"
    assert frames_at[1.8].darkened(overlay_box) > 0.6, "on its box"
    for outside in (0.5, 3.2, 4.6):
        assert frames_at[outside].white(overlay_box) < 200, f"no overlay text at {outside} s"
        assert frames_at[outside].darkened(overlay_box) < 0.25, f"no overlay box at {outside} s"
        assert frames_at[outside].white(title_box) > 1000, "the title shows throughout"

    assert event_count(stack, clip["id"], "clip.ready") == 1
    event = _event_data(stack, clip["id"], "clip.ready")
    assert (event["id"], event["asset_id"], event["duration_s"]) == (clip["id"], studio.asset_id, 5.0)
    assert [{k: p[k] for k in ("sku", "name", "url", "at_s")} for p in event["products"]] == RETIMED
    assert [(p["start_s"], p["end_s"]) for p in event["products"]] == [(1.5, 4.0), (4.0, 5.0)], (
        "a request's tag is on screen until the next one, the last until the clip ends"
    )
    with stack.client(studio.creator) as creator:
        listed = creator.get("/v1/clips", params={"asset_id": studio.asset_id}).json()["items"]
    assert clip["id"] in [item["id"] for item in listed]


def test_a_clip_plays_as_signed_hls_and_downloads_in_ranges(knit_clip: KnitClip) -> None:
    clip = knit_clip.ready
    master = httpx.get(clip["playback"]["hls"])
    assert master.status_code == 200
    assert "RESOLUTION=1080x1920" in master.text
    base = clip["playback"]["hls"].rsplit("/", 1)[0]
    variant = next(line for line in master.text.splitlines() if line and not line.startswith("#"))
    assert "token=" in variant
    playlist = httpx.get(f"{base}/{variant}")
    assert playlist.status_code == 200
    assert "#EXT-X-ENDLIST" in playlist.text
    top = clip["renditions"][0]
    assert (top["width"], top["height"], top["passthrough"]) == (1080, 1920, True), (
        "the master is the top rung"
    )

    part = httpx.get(clip["download_url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert len(part.content) == 100
    assert part.headers["content-range"].startswith("bytes 0-99/")
    forged = clip["download_url"].split("?token=")[0] + "?token=1.forged"
    assert httpx.get(forged).status_code == 403


def test_burned_subtitles_are_retimed_to_the_cut(stack: Stack, studio: Studio, tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.000\n처음 자막\n\n"  # outside the ranges: never shown
        "00:00:31.500 --> 00:00:32.500\n겨울 니트 입어 보세요\n"  # plays at 2.5-3.5 s of the clip
    )
    body = {
        "asset_id": studio.asset_id,
        "ranges": [{"in_s": 10.0, "out_s": 12.0}, {"in_s": 31.0, "out_s": 33.0}],
        "aspect": "16:9",
        "burn_subtitles": "ko",
    }
    with stack.client(studio.creator) as client:
        put = client.put(
            f"/v1/assets/{studio.asset_id}/subtitles/ko",
            content=vtt.encode(),
            headers={"Content-Type": "text/vtt"},
        )
        assert put.status_code == 200, put.text
        created = client.post("/v1/clips", json=body)
        assert created.status_code == 201, created.text
        clip = _wait_for_clip(client, created.json()["id"])
    master = _download(clip["download_url"], tmp_path / "subtitled.mp4")
    facts = _facts(master)
    assert (facts.width, facts.height) == (1920, 1080)
    assert abs(facts.frames - 4.0 * FPS) <= 1

    frames_at = _luma_at(master, [1.5, 3.0, 3.8])
    subtitle_box = (0.3, 0.8, 0.6, 1.0)  # bottom centre, clear of the pattern's noisy checkerboard
    assert frames_at[3.0].white(subtitle_box) > 1000, "the cue from source 31.5 s shows at 3.0 s"
    assert frames_at[1.5].white(subtitle_box) < 200, "the cue from source 1.0 s is not in the cut"
    assert frames_at[3.8].white(subtitle_box) < 200, "the cue ended at 3.5 s"


INVALID: list[tuple[dict[str, Any], list[str]]] = [
    ({"ranges": []}, ["ranges:"]),
    ({"ranges": [{"in_s": 50.0, "out_s": 70.0}]}, ["ranges[0].out_s:"]),
    ({"ranges": [{"in_s": 5.0, "out_s": 5.0}]}, ["ranges[0].out_s:"]),
    ({"ranges": [{"in_s": 1.0, "out_s": 2.0}, {"in_s": 61.0, "out_s": 62.0}]}, ["ranges[1].in_s:"]),
    ({"ranges": [{"in_s": 10.0, "out_s": 13.0}], "burn_subtitles": "ja"}, ["burn_subtitles:"]),
    (
        {
            "ranges": [{"in_s": 10.0, "out_s": 13.0}],
            "aspect": "9:16",
            "title": "겨울 니트 특가 대박 세일 " * 3,
        },
        ["title:"],
    ),
    (
        {"ranges": [{"in_s": 10.0, "out_s": 13.0}], "aspect": "9:16", "overlays": [{"text": "니트" * 15}]},
        ["overlays[0].text:"],
    ),
    (
        {
            "ranges": [{"in_s": 10.0, "out_s": 13.0}],
            "overlays": [{"name": "니트", "from_s": 50.0, "to_s": 55.0}],
        },
        ["overlays[0]:"],
    ),
    (
        {
            "ranges": [{"in_s": 10.0, "out_s": 13.0}],
            "products": [{"sku": "K", "name": "니트", "url": "https://shop.example/k", "at_s": 30.0}],
        },
        ["products[0].at_s:"],
    ),
    ({"ranges": [{"in_s": 10.0, "out_s": 13.0}], "focus": {"x": 1.5, "y": 0.5}}, ["focus.x:"]),
    ({"ranges": [{"in_s": 10.0, "out_s": 13.0}], "aspect": "4:3"}, ["aspect"]),
    (  # every problem of an edit at once
        {"ranges": [{"in_s": 9.0, "out_s": 8.0}], "burn_subtitles": "ja", "title": "가" * 60},
        ["ranges[0].out_s:", "burn_subtitles:", "title:"],
    ),
]


def test_edits_that_cannot_render_get_422_naming_the_field_and_queue_nothing(
    stack: Stack, studio: Studio
) -> None:
    before = _render_jobs(stack, studio.asset_id)
    with stack.client(studio.pd) as client:
        for edit, fields in INVALID:
            answer = client.post("/v1/clips", json={"asset_id": studio.asset_id, **edit})
            assert answer.status_code == 422, (edit, answer.text)
            message = answer.json()["error"]["message"]
            for field in fields:
                assert field in message, (field, message)
    assert _render_jobs(stack, studio.asset_id) == before, "nothing was queued"


def test_a_pd_not_assigned_to_the_creator_cannot_clip_or_see_the_asset(stack: Stack, studio: Studio) -> None:
    other_creator, other_pd = f"clip-other-creator-{stack.name}", f"clip-other-pd-{stack.name}"
    stack.user(other_creator, "creator")
    token = stack.user(other_pd, "pd")
    stack.assign(other_pd, other_creator)
    partner = stack.user(f"clip-partner-{stack.name}", "partner")
    body = {"asset_id": studio.asset_id, "ranges": [{"in_s": 1.0, "out_s": 2.0}]}
    before = _render_jobs(stack, studio.asset_id)
    with stack.client(studio.creator) as creator:
        mine = creator.get("/v1/clips", params={"asset_id": studio.asset_id}).json()["items"]
    for outsider in (token, partner):
        with stack.client(outsider) as client:
            refused = client.post("/v1/clips", json=body)
            assert refused.status_code == 404
            assert refused.json()["error"]["code"] == "not_found"
            assert client.get("/v1/clips").json()["items"] == []
            for clip in mine:
                assert client.get(f"/v1/clips/{clip['id']}").status_code == 404
    assert _render_jobs(stack, studio.asset_id) == before
