"""Channels through the API: only admins create them; profiles and targets are validated with clear
errors; secrets never come back; partners see only their own channels."""

from __future__ import annotations

from typing import Any

from tests.harness.stack import Stack
from tests.publisher.studio import Studio, create_channel, user_id, wait_settled


def test_only_admins_create_channels_and_bad_profiles_are_refused_by_name(stack: Stack) -> None:
    admin = stack.user(f"chan-admin-{stack.name}", "admin")
    creator = stack.user(f"chan-creator-{stack.name}", "creator")
    partner = stack.user(f"chan-partner-{stack.name}", "partner")
    partner_id = user_id(stack, partner)
    name = f"app-{stack.name}"
    body: dict[str, Any] = {
        "name": name,
        "profile": "vcommerce",
        "target": {"type": "pull"},
        "partner_ids": [],
    }
    with stack.client(creator) as client:
        refused = client.post("/v1/channels", json=body)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "admin_only"
    with stack.client(admin) as client:
        bad = client.post("/v1/channels", json={**body, "profile": {"extends": "vcommerce", "name": "x",
                                                                     "picture": {"fps": 0}}})  # fmt: skip
        assert bad.status_code == 422
        assert bad.json()["error"]["code"] == "invalid_profile"
        assert "picture.fps" in bad.json()["error"]["message"]
        not_partner = client.post("/v1/channels", json={**body, "partner_ids": [user_id(stack, creator)]})
        assert not_partner.status_code == 422
        assert not_partner.json()["error"]["code"] == "unknown_partner"
        channel = create_channel(client, name, "vcommerce", {"type": "pull"}, [partner_id])
        assert channel["profile_spec"]["picture"]["height"] == 1920
        duplicate = client.post("/v1/channels", json=body)
        assert duplicate.status_code == 409
        other = create_channel(client, f"other-{stack.name}", "overseas", {"type": "pull"}, [])
    with stack.client(partner) as client:
        listed = [c["id"] for c in client.get("/v1/channels").json()["items"]]
        assert listed == [channel["id"]]
        assert client.get(f"/v1/channels/{other['id']}").status_code == 404


def test_a_whole_asset_publishes_under_its_own_id_and_strangers_get_404(stack: Stack, studio: Studio) -> None:
    small = {"extends": "overseas", "name": "asset-720p", "picture": {"width": 1280, "height": 720}}
    stranger = stack.user(f"chan-stranger-{stack.name}", "creator")
    with stack.client(studio.admin) as admin:
        channel = create_channel(admin, f"assets-{stack.name}", small, {"type": "pull"}, [])
    with stack.client(stranger) as client:
        hidden = client.post(
            "/v1/publications", json={"asset_id": studio.asset_id, "channel_id": channel["id"]}
        )
        assert hidden.status_code == 404
    with stack.client(studio.creator) as creator:
        both = creator.post(
            "/v1/publications",
            json={"asset_id": studio.asset_id, "clip_id": studio.clip_id, "channel_id": channel["id"]},
        )
        assert both.status_code == 422
        queued = creator.post(
            "/v1/publications", json={"asset_id": studio.asset_id, "channel_id": channel["id"]}
        )
        assert queued.status_code == 201, queued.text
        done = wait_settled(creator, queued.json()["id"])
    assert done["state"] == "delivered", done
    assert done["receipt"]["key"].endswith(f"/{studio.asset_id}.mp4")
    assert done["clip_id"] is None
    with stack.client(stranger) as client:
        assert client.get(f"/v1/publications/{done['id']}").status_code == 404
