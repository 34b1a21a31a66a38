"""The one way routes serve stored files: the token check, whole files, byte ranges, and playlists
signed with the caller's token, over a real local store and a real ASGI app."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from shopcast.api.stored_files import (
    ranged_file,
    require_token,
    signed_playlist,
    stored_size,
    whole_file,
)
from shopcast.errors import Forbidden, NotFound, install_error_handlers
from shopcast.settings import Settings
from shopcast.signing import sign
from shopcast.storage.local import LocalStore

BODY = bytes(range(256)) * 40  # 10,240 bytes, every byte value


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    store = LocalStore(tmp_path / "store")
    store.put_bytes("a/file.bin", BODY)
    store.put_bytes("a/empty.bin", b"")
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/whole/{name}")
    def whole(name: str) -> Response:
        key = f"a/{name}"
        return whole_file(store, key, stored_size(store, key, "no such file"), "video/mp4", filename=name)

    @app.get("/ranged/{name}")
    def ranged(request: Request, name: str) -> Response:
        key = f"a/{name}"
        size = stored_size(store, key, "no such file")
        return ranged_file(store, key, size, request.headers.get("range"), "video/mp4", filename=name)

    return TestClient(app)


def test_a_whole_file_streams_byte_identical_with_its_length(client: TestClient) -> None:
    answer = client.get("/whole/file.bin")
    assert answer.status_code == 200
    assert answer.content == BODY
    assert answer.headers["content-length"] == str(len(BODY))
    assert answer.headers["cache-control"] == "private, max-age=3600"
    assert answer.headers["content-disposition"] == 'attachment; filename="file.bin"'


def test_an_empty_object_is_an_empty_answer_not_an_error(client: TestClient) -> None:
    for route in ("/whole/empty.bin", "/ranged/empty.bin"):
        answer = client.get(route, headers={"Range": "bytes=0-"})
        assert (answer.status_code, answer.content, answer.headers["content-length"]) == (200, b"", "0")


def test_a_missing_object_is_a_404_in_the_error_shape(client: TestClient) -> None:
    answer = client.get("/whole/nothing.bin")
    assert answer.status_code == 404
    assert answer.json() == {"error": {"code": "not_found", "message": "no such file"}}


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=100-199", 100, 199), ("bytes=10000-", 10000, 10239), ("bytes=-40", 10200, 10239)],
)
def test_a_range_answers_206_with_exactly_those_bytes(
    client: TestClient, header: str, first: int, last: int
) -> None:
    answer = client.get("/ranged/file.bin", headers={"Range": header})
    assert answer.status_code == 206
    assert answer.content == BODY[first : last + 1]
    assert answer.headers["content-range"] == f"bytes {first}-{last}/{len(BODY)}"
    assert answer.headers["accept-ranges"] == "bytes"


def test_no_range_is_the_whole_file_and_a_range_past_the_end_is_416(client: TestClient) -> None:
    whole = client.get("/ranged/file.bin")
    assert (whole.status_code, whole.content) == (200, BODY)
    outside = client.get("/ranged/file.bin", headers={"Range": "bytes=20000-"})
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{len(BODY)}"
    assert outside.json()["error"]["code"] == "range_not_satisfiable"


def test_a_token_opens_only_its_own_subject_and_only_until_it_expires() -> None:
    settings = Settings(secret_key="k" * 32)
    good = sign(settings.secret_key, "asset-1", 60)
    require_token(settings, "asset-1", good, "playback")
    with pytest.raises(Forbidden, match="playback link"):
        require_token(settings, "asset-2", good, "playback")
    with pytest.raises(Forbidden):
        require_token(settings, "asset-1", sign(settings.secret_key, "asset-1", -1), "playback")
    with pytest.raises(NotFound):
        stored_size(LocalStore(Path("/nonexistent-store-root-for-test")), None, "gone")


def test_a_signed_playlist_carries_the_token_on_every_uri() -> None:
    playlist = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.0,\nseg_0.m4s\n'
    answer = signed_playlist(playlist, "T.sig")
    text = bytes(answer.body).decode()
    assert 'URI="init.mp4?token=T.sig"' in text
    assert "\nseg_0.m4s?token=T.sig\n" in text
    assert answer.media_type == "application/vnd.apple.mpegurl"
    assert answer.headers["cache-control"] == "private"
