"""The OpenAPI document states what the API checks: id patterns, the tus headers, the WHIP offer,
and the limits this server's settings set (issue #15: generated clients must not be looser)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shopcast.api.routes import ID_PATTERN
from shopcast.app import create_app
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import Runtime
from shopcast.settings import Settings

# Ids that are not bare hex ids, with the pattern they do have.
OTHER_ID_PATTERNS = {"delivery_id": r"^msg_[0-9a-f]{32}$"}
LIMITS = {"max_upload_bytes": 123_456, "live_max_offer_bytes": 4096}
TUS_OPERATIONS = [
    ("/v1/uploads", "post"),
    *(("/v1/uploads/{upload_id}", m) for m in ("head", "patch", "delete")),
]


def _app(tmp_path: Path, **overrides: Any) -> TestClient:
    settings = Settings(data_dir=tmp_path, **overrides)
    upgrade(settings)
    return TestClient(create_app(settings))  # no lifespan: the document needs no live node


@pytest.fixture
def document(tmp_path: Path) -> dict[str, Any]:
    answer = _app(tmp_path, **LIMITS).get("/openapi.json")
    assert answer.status_code == 200
    doc: dict[str, Any] = answer.json()
    return doc


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]


def _header(op: dict[str, Any], name: str) -> dict[str, Any]:
    found = [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"] == name]
    assert len(found) == 1, f"{name} declared {len(found)} times"
    header: dict[str, Any] = found[0]
    return header


def _string_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The string branch of an optional parameter's schema (`anyOf: [string, null]`)."""
    branches = [s for s in schema.get("anyOf", [schema]) if s.get("type") == "string"]
    assert len(branches) == 1, schema
    branch: dict[str, Any] = branches[0]
    return branch


def test_every_id_parameter_has_the_id_pattern(document: dict[str, Any]) -> None:
    checked = 0
    for path, method, op in _operations(document):
        for parameter in op.get("parameters", []):
            name = parameter["name"]
            if parameter["in"] not in ("path", "query") or not name.endswith("_id"):
                continue
            expected = OTHER_ID_PATTERNS.get(name, ID_PATTERN)
            assert _string_schema(parameter["schema"]).get("pattern") == expected, (method, path, name)
            checked += 1
    assert checked >= 30, "the id parameters were not found"


def test_tus_version_is_a_required_header_of_every_tus_request(document: dict[str, Any]) -> None:
    for path, method in TUS_OPERATIONS:
        header = _header(document["paths"][path][method], "Tus-Resumable")
        assert header["required"] is True, (method, path)
        assert header["schema"] == {"type": "string", "enum": ["1.0.0"]}, (method, path)


def test_upload_length_is_bounded_by_this_servers_max_size(document: dict[str, Any]) -> None:
    schema = _header(document["paths"]["/v1/uploads"]["post"], "Upload-Length")["schema"]
    assert (schema["type"], schema["minimum"], schema["maximum"]) == (
        "integer",
        0,
        LIMITS["max_upload_bytes"],
    )
    patch = document["paths"]["/v1/uploads/{upload_id}"]["patch"]
    offset = _header(patch, "Upload-Offset")
    assert offset["required"] is True
    assert (offset["schema"]["type"], offset["schema"]["minimum"]) == ("integer", 0)
    assert patch["requestBody"]["required"] is True
    assert list(patch["requestBody"]["content"]) == ["application/offset+octet-stream"]


def test_tus_metadata_and_checksum_headers_have_their_formats(document: dict[str, Any]) -> None:
    create = document["paths"]["/v1/uploads"]["post"]
    metadata = re.compile(_header(create, "Upload-Metadata")["schema"]["pattern"])
    assert metadata.fullmatch("filename dGVzdC5tcDQ=,filetype dmlkZW8vbXA0,is_confidential")
    for bad in ("filename not*base64", "filename dGVzdA", "file name dGVzdA==", ""):
        assert not metadata.fullmatch(bad), bad
    for op in (create, document["paths"]["/v1/uploads/{upload_id}"]["patch"]):
        checksum = re.compile(_header(op, "Upload-Checksum")["schema"]["pattern"])
        assert checksum.fullmatch("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=")
        assert not checksum.fullmatch("md5 Kq5sNclPz7QV2+lfQIuc6R7oRu0=")


def test_whip_offer_is_sdp_text_of_at_most_the_servers_limit(document: dict[str, Any]) -> None:
    body = document["paths"]["/v1/live/whip"]["post"]["requestBody"]
    assert body["required"] is True
    assert list(body["content"]) == ["application/sdp"]
    schema = body["content"]["application/sdp"]["schema"]
    assert (schema["type"], schema["maxLength"]) == ("string", LIMITS["live_max_offer_bytes"])


def test_each_app_states_its_own_limits(tmp_path: Path, document: dict[str, Any]) -> None:
    """The routes are shared by every app of the process: another app's limits must not leak."""
    other = _app(tmp_path / "other").get("/openapi.json").json()
    length = _header(other["paths"]["/v1/uploads"]["post"], "Upload-Length")["schema"]
    assert length["maximum"] == Settings(data_dir=tmp_path).max_upload_bytes
    offer = other["paths"]["/v1/live/whip"]["post"]["requestBody"]["content"]["application/sdp"]
    assert offer["schema"]["maxLength"] == Settings(data_dir=tmp_path).live_max_offer_bytes


def test_described_tus_headers_keep_the_routes_own_answers(tmp_path: Path) -> None:
    """Declared for clients, not enforced by FastAPI: tus clients branch on 412 and 400 bad_checksum."""
    client = _app(tmp_path)
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with transaction(runtime.sessions) as session:
        _user, token = create_user(session, "creator", Role.creator)
    auth = {"Authorization": f"Bearer {token}", "Upload-Length": "10"}
    unversioned = client.post("/v1/uploads", headers=auth)
    assert (unversioned.status_code, unversioned.json()["error"]["code"]) == (412, "tus_version_unsupported")
    bad_sum = client.post(
        "/v1/uploads", headers={**auth, "Tus-Resumable": "1.0.0", "Upload-Checksum": "md5 x"}
    )
    assert (bad_sum.status_code, bad_sum.json()["error"]["code"]) == (400, "bad_checksum")
