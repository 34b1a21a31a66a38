"""Ready videos get a poster that is not black and a storyboard sprite indexed by a signed WebVTT."""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from ingest.assets.models import Asset, AssetState
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.media.ffmpeg_runner import run_ffmpeg
from shopcast.migrations import upgrade
from shopcast.runtime import build_runtime
from shopcast.settings import Settings
from tests.harness.media import MediaFactory
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_job
from transcode.thumbnails.command import build_poster_frame, build_storyboard
from transcode.thumbnails.poster import candidate_times, luma_stats, poster_size
from transcode.thumbnails.service import Thumbnails, publish_thumbnails, published_thumbnails_prefix
from transcode.thumbnails.storyboard import plan_storyboard, render_vtt, sign_storyboard, vtt_time

_CUE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")
_XYWH = re.compile(r"#xywh=(\d+),(\d+),(\d+),(\d+)$")
BLACK_LUMA = 20  # a black frame decodes to luma 0 (full range) or 16 (video range)


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    payload: str


@dataclass(frozen=True)
class Picture:
    """A decoded image's luma plane, for looking at regions of it."""

    width: int
    height: int
    stride: int
    luma: bytes

    def mean(self, x: int = 0, y: int = 0, w: int | None = None, h: int | None = None) -> float:
        w, h = w or self.width, h or self.height
        rows = [self.luma[row * self.stride + x : row * self.stride + x + w] for row in range(y, y + h)]
        return sum(sum(row) for row in rows) / (w * h)


def _picture(data: bytes) -> Picture:
    with av.open(io.BytesIO(data), mode="r") as container:
        frame = next(container.decode(video=0))
    grey = frame.reformat(format="gray")
    plane = grey.planes[0]
    return Picture(grey.width, grey.height, plane.line_size, bytes(plane))


def _parse_vtt(text: str) -> list[Cue]:
    assert text.startswith("WEBVTT")
    lines = text.splitlines()
    cues = []
    for index, line in enumerate(lines):
        match = _CUE.match(line)
        if match:
            h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in match.groups())
            start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
            end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
            cues.append(Cue(start, end, lines[index + 1]))
    return cues


# the plan, the index and the commands


def test_short_landscape_source_gets_one_160px_tile_per_second() -> None:
    grid = plan_storyboard(5.0, 640, 360)
    assert (grid.interval_s, grid.count, grid.columns, grid.rows) == (1, 5, 5, 1)
    assert (grid.tile_width, grid.tile_height) == (160, 90)
    assert grid.sprite_size == (800, 90)


def test_long_source_is_capped_at_a_hundred_tiles() -> None:
    hour = plan_storyboard(3600.0, 1920, 1080)
    assert (hour.interval_s, hour.count, hour.columns, hour.rows) == (36, 100, 10, 10)
    assert plan_storyboard(100.4, 1920, 1080).count <= 100
    assert plan_storyboard(100.0, 1920, 1080).interval_s == 1


def test_vertical_source_keeps_vertical_even_tiles() -> None:
    grid = plan_storyboard(250.5, 1080, 1920)
    assert (grid.tile_width, grid.tile_height) == (160, 284)
    assert grid.interval_s == 3
    assert grid.count == 84
    assert grid.tile_height % 2 == 0
    assert plan_storyboard(10.0, 1440, 1080).tile_height == 120


def test_cues_are_contiguous_and_the_last_ends_at_the_duration() -> None:
    grid = plan_storyboard(12.345, 1920, 1080)
    cues = _parse_vtt(render_vtt(grid))
    assert len(cues) == grid.count == 13
    assert cues[0].start_s == 0
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(cues))
    assert cues[-1].start_s == 12.0
    assert cues[-1].end_s == pytest.approx(12.345)
    assert cues[9].payload == "storyboard.jpg#xywh=1440,0,160,90"
    assert cues[10].payload == "storyboard.jpg#xywh=0,90,160,90", "the eleventh tile starts row two"
    assert cues[12].payload == "storyboard.jpg#xywh=320,90,160,90"


def test_vtt_times_carry_hours_and_milliseconds() -> None:
    assert vtt_time(0) == "00:00:00.000"
    assert vtt_time(3_723_004) == "01:02:03.004"


def test_signed_index_points_at_the_sprite_with_its_token() -> None:
    text = render_vtt(plan_storyboard(2.5, 640, 360))
    signed = sign_storyboard(text, "https://cdn.example/v1/thumbnails/abc", "123.sig")
    cues = _parse_vtt(signed)
    assert [cue.payload for cue in cues] == [
        "https://cdn.example/v1/thumbnails/abc/storyboard.jpg?token=123.sig#xywh=0,0,160,90",
        "https://cdn.example/v1/thumbnails/abc/storyboard.jpg?token=123.sig#xywh=160,0,160,90",
        "https://cdn.example/v1/thumbnails/abc/storyboard.jpg?token=123.sig#xywh=320,0,160,90",
    ]
    assert [(c.start_s, c.end_s) for c in cues] == [(0, 1), (1, 2), (2, 2.5)]


def test_storyboard_command_samples_scales_and_tiles_once() -> None:
    grid = plan_storyboard(250.5, 1080, 1920)
    args = build_storyboard(Path("/in/source"), grid, Path("/out/storyboard.jpg"))
    assert args[args.index("-i") + 1] == "/in/source"
    assert args[args.index("-vf") + 1] == (
        "fps=1/3,trim=end_frame=84,scale=160:284:flags=bicubic,setsar=1,tile=10x9"
    )
    assert args[args.index("-frames:v") + 1] == "1"
    assert args[-1] == "/out/storyboard.jpg"


def test_poster_command_seeks_before_decoding_and_deinterlaces_interlaced_sources() -> None:
    args = build_poster_frame(Path("/in/source"), 2.5, (1280, 720), True, Path("/out/p.jpg"))
    assert args.index("-ss") < args.index("-i")
    assert args[args.index("-ss") + 1] == "2.500"
    assert args[args.index("-vf") + 1] == "bwdif=mode=send_frame,scale=1280:720:flags=lanczos,setsar=1"
    progressive = build_poster_frame(Path("/in/source"), 1, (640, 360), False, Path("/out/p.jpg"))
    assert "bwdif" not in progressive[progressive.index("-vf") + 1]


def test_poster_keeps_the_displayed_size_capped_at_1280() -> None:
    assert poster_size(1920, 1080) == (1280, 720)
    assert poster_size(1080, 1920) == (720, 1280)
    assert poster_size(4000, 3000) == (1280, 960)
    assert poster_size(640, 360) == (640, 360)


def test_poster_candidates_lie_inside_the_source_in_time_order() -> None:
    times = candidate_times(5.0)
    assert times == sorted(times)
    assert times[0] > 0
    assert times[-1] < 5.0


# the commands on real media


def test_black_opening_frames_are_judged_black_and_the_pattern_usable(
    media: MediaFactory, tmp_path: Path
) -> None:
    source = media.black_then_pattern()
    black, pattern = tmp_path / "black.jpg", tmp_path / "pattern.jpg"
    run_ffmpeg(build_poster_frame(source, 1.0, (640, 360), False, black), timeout_s=60)
    run_ffmpeg(build_poster_frame(source, 3.0, (640, 360), False, pattern), timeout_s=60)
    assert not luma_stats(black).usable
    assert luma_stats(pattern).usable
    assert luma_stats(pattern).mean > 60


def test_rotated_source_makes_a_vertical_sprite_of_the_planned_size(
    media: MediaFactory, tmp_path: Path
) -> None:
    grid = plan_storyboard(3.0, 720, 1280)  # the probe reports the displayed size
    sprite = tmp_path / "storyboard.jpg"
    run_ffmpeg(build_storyboard(media.hevc_vertical_vfr(), grid, sprite), timeout_s=120)
    picture = _picture(sprite.read_bytes())
    assert (picture.width, picture.height) == grid.sprite_size == (480, 284)


# publishing


def test_a_newer_thumbnail_set_replaces_the_published_one(tmp_path: Path) -> None:
    """The finisher reports the set it replaced (deleted after commit), but never its own set when a
    retried job publishes again."""
    settings = Settings(data_dir=tmp_path)
    upgrade(settings)
    runtime = build_runtime(settings)
    grid = plan_storyboard(5.0, 640, 360)
    first, second = (
        Thumbnails(f"assets/{'a' * 32}/thumbnails/{job}", {"time_s": 2.1}, grid) for job in ("j1", "j2")
    )
    with transaction(runtime.sessions) as session:
        owner, _token = create_user(session, "owner", Role.creator)
        source = {"duration_s": 5.0, "width": 640, "height": 360}
        session.add(
            Asset(id="a" * 32, owner_id=owner.id, state=AssetState.ready, size_bytes=1, source=source)
        )
    replaced = []
    for published in (first, second, second):
        with transaction(runtime.sessions) as session:
            replaced.append(publish_thumbnails(session, "a" * 32, published))
    with runtime.sessions() as session:
        current = published_thumbnails_prefix(session, "a" * 32)
    runtime.engine.dispose()
    assert replaced == [None, first.prefix, None]
    assert current == second.prefix


# the job, through the API


def _thumbnailed(client: httpx.Client, asset_id: str, timeout: float = 180) -> dict[str, Any]:
    return wait_for_job(
        client, asset_id, "thumbnails", timeout_s=timeout, interval_s=0.25, what="no thumbnails"
    )


def _check_poster(url: str) -> None:
    poster = httpx.get(url, headers={"Origin": "https://shop.example"})
    assert poster.status_code == 200
    assert poster.headers["content-type"] == "image/jpeg"
    assert poster.headers["access-control-allow-origin"] == "*", "browsers' players may fetch it"
    picture = _picture(poster.content)
    assert (picture.width, picture.height) == (640, 360)
    assert picture.mean() > 60, "the poster comes from after the black opening"


def _check_storyboard(url: str, duration_s: float) -> None:
    index = httpx.get(url, headers={"Origin": "https://shop.example"})
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/vtt")
    assert index.headers["access-control-allow-origin"] == "*"
    cues = _parse_vtt(index.text)
    assert cues[0].start_s == 0
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(cues))
    assert cues[-1].end_s == pytest.approx(duration_s, abs=0.001)
    sprite_urls = {_XYWH.sub("", cue.payload) for cue in cues}
    assert len(sprite_urls) == 1
    sprite_url = sprite_urls.pop()
    assert "?token=" in sprite_url
    sprite = httpx.get(sprite_url)
    assert sprite.status_code == 200
    assert sprite.headers["content-type"] == "image/jpeg"
    picture = _picture(sprite.content)
    for cue in cues:
        match = _XYWH.search(cue.payload)
        assert match is not None
        x, y, w, h = (int(g) for g in match.groups())
        assert x >= 0
        assert y >= 0
        assert x + w <= picture.width
        assert y + h <= picture.height
        tile_mean = picture.mean(x, y, w, h)
        if cue.end_s <= 2.0:
            assert tile_mean < BLACK_LUMA, f"the tile of {cue} shows the black opening"
        elif cue.start_s >= 2.0:
            assert tile_mean > 60, f"the tile of {cue} shows the pattern"


def test_black_opening_gets_a_poster_from_later_and_a_signed_storyboard(
    stack: Stack, media: MediaFactory
) -> None:
    owner = stack.user(f"thumbs-{stack.name}", "creator")
    with stack.client(owner) as client:
        asset_id = upload(client, media.black_then_pattern())
        asset = _thumbnailed(client, asset_id)
    thumbnails = asset["thumbnails"]
    _check_poster(thumbnails["poster_url"])
    _check_storyboard(thumbnails["storyboard_vtt_url"], float(asset["source"]["duration_s"]))


def test_thumbnails_refuse_tampered_tokens_and_strangers_and_go_with_the_asset(
    stack: Stack, media: MediaFactory
) -> None:
    owner = stack.user(f"thumbs-owner-{stack.name}", "creator")
    with stack.client(owner) as client:
        asset_id = upload(client, media.black_then_pattern())
        poster_url = _thumbnailed(client, asset_id)["thumbnails"]["poster_url"]
        base, token = poster_url.split("?token=")
        expires, signature = token.split(".")
        assert httpx.get(f"{base}?token={expires}.{signature[::-1]}").status_code == 403
        assert httpx.get(f"{base}?token={int(expires) + 60}.{signature}").status_code == 403
        assert httpx.get(base).status_code == 403
        with stack.client(stack.user(f"thumbs-stranger-{stack.name}", "creator")) as stranger:
            assert stranger.get(f"/v1/assets/{asset_id}").status_code == 404
        assert stack.runtime.store.list_keys(f"assets/{asset_id}/thumbnails/")
        assert client.delete(f"/v1/assets/{asset_id}").status_code == 204
    assert stack.runtime.store.list_keys(f"assets/{asset_id}/thumbnails/") == []
    assert httpx.get(poster_url).status_code == 404
