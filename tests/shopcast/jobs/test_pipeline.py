"""Which jobs follow a probe, and the time limits the settings give each FFmpeg process."""

from __future__ import annotations

import pytest

from shopcast.jobs.pipeline import kinds_after_probe
from shopcast.jobs.registry import KIND_QUEUES
from shopcast.settings import Settings, TimeLimit


def test_a_source_with_picture_and_sound_gets_every_job() -> None:
    kinds = kinds_after_probe(has_video=True, has_audio=True)
    assert kinds == ["preview", "transcode", "loudness", "subtitles", "thumbnails"]
    assert all(kind in KIND_QUEUES for kind in kinds)


def test_a_silent_source_gets_no_loudness_or_subtitles() -> None:
    assert kinds_after_probe(has_video=True, has_audio=False) == ["preview", "transcode", "thumbnails"]


def test_time_limits_grow_with_the_media_above_their_floor() -> None:
    limit = TimeLimit(floor_s=600.0, per_media_s=20.0)
    assert limit.for_media(10.0) == 600.0
    assert limit.for_media(60.0) == 1200.0
    assert TimeLimit(floor_s=120.0).for_media(3600.0) == 120.0


def test_time_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPCAST_LADDER_TIME_LIMIT", '{"floor_s": 30, "per_media_s": 2}')
    assert Settings().ladder_time_limit.for_media(60.0) == 120.0
    assert Settings().conform_time_limit == TimeLimit(floor_s=300.0, per_media_s=40.0)
