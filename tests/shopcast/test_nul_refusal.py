"""U+0000 is refused at the edge with 422 on both databases (PostgreSQL cannot store it)."""

from __future__ import annotations

import base64

from tests.harness.stack import Stack


def test_title_with_nul_is_refused_and_other_text_round_trips(stack: Stack) -> None:
    with stack.client(stack.user(f"nul-title-{stack.name}", "creator")) as client:
        refused = client.post("/v1/live-streams", json={"title": "T\u00bb\x00R"})
        assert refused.status_code == 422
        assert "NUL" in refused.json()["error"]["message"]

        nested = client.post("/v1/live-streams", json={"title": "ok", "extra": {"k\x00": [1, "x"]}})
        assert nested.status_code == 422

        title = "라이브 \U0001f6cd\ufeff \u00bb end"
        created = client.post("/v1/live-streams", json={"title": title})
        assert created.status_code == 201, created.text
        fetched = client.get(f"/v1/live-streams/{created.json()['id']}")
        assert fetched.json()["title"] == title


def test_upload_metadata_with_nul_is_refused(stack: Stack) -> None:
    with stack.client(stack.user(f"nul-upload-{stack.name}", "creator")) as client:
        title = base64.b64encode(b"bad\x00title").decode()
        answer = client.post(
            "/v1/uploads",
            headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10", "Upload-Metadata": f"title {title}"},
        )
        assert answer.status_code == 422
        assert "NUL" in answer.json()["error"]["message"]
        assert client.get("/v1/assets").json()["items"] == []


def test_query_parameter_with_nul_is_refused(stack: Stack) -> None:
    with stack.client(stack.user(f"nul-query-{stack.name}", "partner")) as client:
        answer = client.get("/v1/partner/feed.xml?channel=a%00b")
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "invalid"
