"""Admins assign PDs to creators through the API; only admins may, and unassigning takes effect."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from shopcast.app import create_app
from shopcast.auth.models import Role
from shopcast.auth.service import Principal, create_user, visible_owner_ids
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import Runtime
from shopcast.settings import Settings


def test_admins_assign_and_unassign_pds(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    upgrade(settings)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    with transaction(runtime.sessions) as session:
        admin = create_user(session, "root", Role.admin)[1]
        pd_user, pd_token = create_user(session, "jiwoo", Role.pd)
        creator_user, creator_token = create_user(session, "minji", Role.creator)
    pd = Principal(pd_user.id, "jiwoo", Role.pd)
    client = TestClient(app, headers={"Authorization": f"Bearer {admin}"})

    answer = client.post("/v1/admin/pd-assignments", json={"pd": "jiwoo", "creator": "minji"})
    assert answer.status_code == 201
    assert client.get("/v1/admin/pd-assignments").json()["items"] == [{"pd": "jiwoo", "creator": "minji"}]
    with runtime.sessions() as session:
        assert creator_user.id in (visible_owner_ids(session, pd) or [])

    wrong_role = client.post("/v1/admin/pd-assignments", json={"pd": "minji", "creator": "jiwoo"})
    assert wrong_role.status_code == 404
    for token in (pd_token, creator_token):
        refused = client.post(
            "/v1/admin/pd-assignments",
            json={"pd": "jiwoo", "creator": "minji"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert refused.status_code == 403

    assert (
        client.delete("/v1/admin/pd-assignments", params={"pd": "jiwoo", "creator": "minji"}).status_code
        == 204
    )
    with runtime.sessions() as session:
        assert creator_user.id not in (visible_owner_ids(session, pd) or [])
    assert (
        client.delete("/v1/admin/pd-assignments", params={"pd": "jiwoo", "creator": "minji"}).status_code
        == 404
    )
