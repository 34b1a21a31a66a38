"""Only an asset's creator, the creator's PDs and admins see it; everyone else gets 404."""

from __future__ import annotations

from tests.harness.media import MediaFactory
from tests.harness.stack import Stack
from tests.harness.tus import TUS, upload, wait_for_state


def test_other_users_get_404_and_assigned_pd_sees(stack: Stack, media: MediaFactory) -> None:
    suffix = stack.name
    owner = stack.user(f"owner-{suffix}", "creator")
    stranger = stack.user(f"stranger-{suffix}", "creator")
    partner = stack.user(f"partner-{suffix}", "partner")
    pd = stack.user(f"pd-{suffix}", "pd")
    other_pd = stack.user(f"otherpd-{suffix}", "pd")
    admin = stack.user(f"admin-{suffix}", "admin")
    stack.assign(f"pd-{suffix}", f"owner-{suffix}")
    with stack.client(owner) as client:
        asset_id = upload(client, media.vp9_webm_silent())
        wait_for_state(client, asset_id, {"ready"})
    for token in (stranger, partner, other_pd):
        with stack.client(token) as client:
            assert client.get(f"/v1/assets/{asset_id}").status_code == 404
            assert client.get(f"/v1/assets/{asset_id}/source").status_code == 404
            assert client.head(f"/v1/uploads/{asset_id}", headers=TUS).status_code == 404
            assert client.delete(f"/v1/assets/{asset_id}").status_code == 404
            assert asset_id not in [a["id"] for a in client.get("/v1/assets").json()["items"]]
    for token in (pd, admin):
        with stack.client(token) as client:
            assert client.get(f"/v1/assets/{asset_id}").json()["state"] == "ready"
    with stack.client(owner) as client:
        assert client.get(f"/v1/assets/{asset_id}").status_code == 200


def test_unauthenticated_and_unknown_tokens_get_401(stack: Stack) -> None:
    with stack.client() as anonymous:
        response = anonymous.get("/v1/assets")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    with stack.client("sc_not-a-real-token") as client:
        assert client.get("/v1/assets").status_code == 401


def test_delete_removes_the_asset_and_its_stored_bytes(stack: Stack, media: MediaFactory) -> None:
    with stack.client(stack.user(f"deleter-{stack.name}", "creator")) as client:
        asset_id = upload(client, media.vp9_webm_silent())
        wait_for_state(client, asset_id, {"ready"})
        assert stack.runtime.store.size(f"assets/{asset_id}/source") is not None
        assert client.delete(f"/v1/assets/{asset_id}").status_code == 204
        assert client.get(f"/v1/assets/{asset_id}").status_code == 404
    assert stack.runtime.store.size(f"assets/{asset_id}/source") is None


def test_listing_pages_with_cursor(stack: Stack, media: MediaFactory) -> None:
    with stack.client(stack.user(f"pager-{stack.name}", "creator")) as client:
        ids = [upload(client, media.text_named_mp4()) for _ in range(5)]
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/assets", params=params).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert seen == list(reversed(ids))


def test_a_delete_is_visible_to_the_very_next_request(stack: Stack) -> None:
    """The change is committed before the answer goes out, every time."""
    with stack.client(stack.user(f"racer-{stack.name}", "creator")) as client:
        for _ in range(20):
            created = client.post("/v1/uploads", headers={**TUS, "Upload-Length": "100"})
            asset_id = created.headers["Location"].rsplit("/", 1)[-1]
            assert client.delete(f"/v1/assets/{asset_id}").status_code == 204
            assert client.get(f"/v1/assets/{asset_id}").status_code == 404
