"""Partners pull what reached their channels; they never go live: creating a live stream is 403 for
them (and leaves no stream or stream key behind), while a creator gets one."""

from __future__ import annotations

from sqlalchemy import func, select

from ingest.live.models import LiveStream
from tests.harness.stack import Stack
from tests.publisher.studio import user_id


def test_a_partner_cannot_create_a_live_stream(stack: Stack) -> None:
    partner = stack.user(f"live-partner-{stack.name}", "partner")
    creator = stack.user(f"live-creator-{stack.name}", "creator")
    with stack.client(partner) as client:
        refused = client.post("/v1/live-streams", json={"title": "partner show"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "partners_cannot_stream"
        assert client.get("/v1/live-streams").json()["items"] == []
    with stack.runtime.sessions() as session:
        owned = (
            select(func.count()).select_from(LiveStream).where(LiveStream.owner_id == user_id(stack, partner))
        )
        assert session.scalar(owned) == 0
    with stack.client(creator) as client:
        created = client.post("/v1/live-streams", json={"title": "creator show"})
        assert created.status_code == 201, created.text
        assert created.json()["stream_key"]
