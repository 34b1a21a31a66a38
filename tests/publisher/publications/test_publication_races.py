"""Concurrent POSTs of the same clip to the same channel, without an Idempotency-Key, make one
publication (and one render), and every request answers that one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from publisher.publications.models import Publication
from tests.harness.stack import Stack
from tests.publisher.studio import Studio, create_channel, wait_settled

_RACERS = 8


def test_concurrent_posts_of_one_clip_to_one_channel_make_one_publication(
    stack: Stack, studio: Studio
) -> None:
    small = {"extends": "overseas", "name": "race-360p", "picture": {"width": 640, "height": 360}}
    with stack.client(studio.admin) as admin:
        channel = create_channel(admin, f"race-{stack.name}", small, {"type": "pull"}, [])
    body = {"clip_id": studio.short_clip_id, "channel_id": channel["id"]}
    start = threading.Barrier(_RACERS)

    def post(_index: int) -> httpx.Response:
        with stack.client(studio.creator) as client:
            start.wait()
            return client.post("/v1/publications", json=body)

    with ThreadPoolExecutor(_RACERS) as pool:
        answers = list(pool.map(post, range(_RACERS)))

    assert sorted(a.status_code for a in answers) == [200] * (_RACERS - 1) + [201], [a.text for a in answers]
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == 1, "every request answers the one publication"
    with stack.runtime.sessions() as session:
        rows = session.scalar(
            select(func.count()).where(
                Publication.channel_id == channel["id"], Publication.clip_id == studio.short_clip_id
            )
        )
    assert rows == 1, "one publication, so one render and one delivery"
    with stack.client(studio.creator) as creator:
        assert wait_settled(creator, answers[0].json()["id"])["state"] == "delivered"
