"""Where a channel delivers (bucket, access key id, endpoint) and who pulls from it is for admins:
creators, PDs and partners see a channel's id, name and profile only."""

from __future__ import annotations

from tests.harness.stack import Stack
from tests.publisher.studio import create_channel, user_id

BUCKET = "partner-private-bucket"
ACCESS_KEY_ID = "AKIAHIDDENFROMCREATORS"
ENDPOINT = "http://127.0.0.1:9"  # never contacted: creating a channel only vets the address


def test_only_admins_see_a_channels_delivery_target_and_partners(stack: Stack) -> None:
    admin = stack.user(f"target-admin-{stack.name}", "admin")
    creator = stack.user(f"target-creator-{stack.name}", "creator")
    pd = stack.user(f"target-pd-{stack.name}", "pd")
    partner = stack.user(f"target-partner-{stack.name}", "partner")
    partner_id = user_id(stack, partner)
    target = {"type": "s3", "bucket": BUCKET, "region": "us-east-1", "endpoint_url": ENDPOINT,
              "access_key_id": ACCESS_KEY_ID, "secret_access_key": "hidden-secret"}  # fmt: skip
    with stack.client(admin) as client:
        channel = create_channel(client, f"hidden-target-{stack.name}", "overseas", target, [partner_id])
        assert channel["target"]["bucket"] == BUCKET
        seen = client.get(f"/v1/channels/{channel['id']}").json()
        assert seen["target"]["access_key_id"] == ACCESS_KEY_ID
        assert seen["target"]["endpoint_url"] == ENDPOINT
        assert seen["partner_ids"] == [partner_id]
        listed = {c["id"]: c for c in client.get("/v1/channels", params={"limit": 200}).json()["items"]}
        assert listed[channel["id"]]["target"]["bucket"] == BUCKET
    for token in (creator, pd, partner):
        with stack.client(token) as client:
            single = client.get(f"/v1/channels/{channel['id']}")
            assert single.status_code == 200, single.text
            listing = client.get("/v1/channels", params={"limit": 200})
            shown = next(c for c in listing.json()["items"] if c["id"] == channel["id"])
        for answer in (single.json(), shown):
            assert set(answer) == {
                "id",
                "name",
                "profile",
                "profile_spec",
                "created_at",
                "auto_publish_highlights",
            }, answer
            assert answer["name"] == channel["name"]
            assert answer["profile"] == "overseas"
        for text in (single.text, listing.text):
            assert BUCKET not in text
            assert ACCESS_KEY_ID not in text
            assert "127.0.0.1:9" not in text
            assert partner_id not in text
