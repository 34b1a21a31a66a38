"""A partner sees what reached its channels and nothing else: a creator's failed publication on the
partner's channel (its violations, clip and asset ids) stays hidden from the creator-facing
`/v1/publications` endpoints, as if it never existed."""

from __future__ import annotations

from tests.harness.stack import Stack
from tests.publisher.studio import Studio, create_channel, publish, user_id, wait_settled


def test_a_partner_does_not_see_a_failed_publication_of_its_channel(stack: Stack, studio: Studio) -> None:
    partner = stack.user(f"undelivered-partner-{stack.name}", "partner")
    # The 8 s clip is shorter than the profile's minimum, so the render fails before any FFmpeg runs.
    long_only = {"extends": "overseas", "name": "long-only", "min_duration_s": 60}
    with stack.client(studio.admin) as admin:
        channel = create_channel(
            admin, f"undelivered-{stack.name}", long_only, {"type": "pull"}, [user_id(stack, partner)]
        )
    with stack.client(studio.creator) as creator:
        failed = wait_settled(creator, publish(creator, studio.clip_id, channel["id"])["id"])
    assert failed["state"] == "failed", failed
    assert failed["violations"], "the creator sees why it failed"
    with stack.client(partner) as client:
        single = client.get(f"/v1/publications/{failed['id']}")
        assert single.status_code == 404, single.text
        assert single.json()["error"]["code"] == "not_found"
        assert client.get("/v1/publications").json()["items"] == []
        assert client.get("/v1/publications", params={"channel_id": channel["id"]}).json()["items"] == []
        assert client.get(f"/v1/partner/clips/{failed['id']}").status_code == 404
        assert client.get("/v1/partner/clips").json()["items"] == []
