"""Issue #15: a clip's render work is bounded by settings at creation (`clip_max_ranges`, 20 by
default, and `clip_max_total_s`, 600 s by default), refused with 422 and its own code, and nothing is
queued; not left to the render job's hard time limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopcast.jobs.models import Job
from shopcast.settings import Settings
from tests.harness.media import ffmpeg
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state

SOURCE_S = 40  # long enough that 16 overlapping whole-source ranges (< 20) pass 600 s


@pytest.fixture(scope="module")
def clipper(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A PD's token and a probed, silent 40 s 360p asset of a creator the PD is assigned to (no audio,
    so the pipeline behind it stays light)."""
    source = tmp_path_factory.mktemp("clip-bounds") / "silent_360p.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", str(SOURCE_S),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(source),
    )  # fmt: skip
    creator, pd = f"bounds-creator-{stack.name}", f"bounds-pd-{stack.name}"
    creator_token, pd_token = stack.user(creator, "creator"), stack.user(pd, "pd")
    stack.assign(pd, creator)
    with stack.client(creator_token) as client:
        asset_id = upload(client, source)
        wait_for_state(client, asset_id, {"ready"}, timeout=120)
    return pd_token, asset_id


def _render_jobs(stack: Stack, asset_id: str) -> int:
    with stack.runtime.sessions() as session:
        query = (
            select(func.count()).select_from(Job).where(Job.asset_id == asset_id, Job.kind == "render_clip")
        )
        return int(session.scalar(query) or 0)


def test_the_defaults_are_the_documented_bounds() -> None:
    settings = Settings()
    assert (settings.clip_max_ranges, settings.clip_max_total_s) == (20, 600.0)


def test_more_ranges_than_clip_max_ranges_get_422_too_many_ranges(
    stack: Stack, clipper: tuple[str, str]
) -> None:
    token, asset_id = clipper
    ranges = [{"in_s": float(i), "out_s": i + 1.0} for i in range(21)]  # 21 s in all: only the count is over
    before = _render_jobs(stack, asset_id)
    with stack.client(token) as client:
        answer = client.post("/v1/clips", json={"asset_id": asset_id, "ranges": ranges})
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "too_many_ranges", error
        assert "21 ranges" in error["message"], error
        assert "at most 20" in error["message"], error
    assert _render_jobs(stack, asset_id) == before, "nothing was queued"


def test_ranges_longer_than_clip_max_total_s_in_all_get_422_clip_too_long(
    stack: Stack, clipper: tuple[str, str]
) -> None:
    token, asset_id = clipper
    whole = {"in_s": 0.0, "out_s": float(SOURCE_S)}
    before = _render_jobs(stack, asset_id)
    with stack.client(token) as client:
        answer = client.post("/v1/clips", json={"asset_id": asset_id, "ranges": [whole] * 16})  # 640 s
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "clip_too_long", error
        assert "640.000 s in all" in error["message"], error
        assert "at most 600 s" in error["message"], error
    assert _render_jobs(stack, asset_id) == before, "nothing was queued"


def test_the_schema_says_the_settings_bound_the_ranges(stack: Stack) -> None:
    with stack.client() as client:
        schema = client.get("/openapi.json").json()["components"]["schemas"]["ClipIn"]
    ranges = schema["properties"]["ranges"]
    assert "clip_max_ranges" in ranges["description"]
    assert "clip_max_total_s" in ranges["description"]
    assert ranges["maxItems"] > Settings().clip_max_ranges, "the schema's ceiling is not the limit"
