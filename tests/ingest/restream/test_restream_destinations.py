"""Restream destinations through the API, and the checks that keep a push from going anywhere it
must not: masked keys, the per-stream limit, other creators' streams, private addresses when a
destination is saved and again when it connects."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import av
import httpx
import pytest

from ingest.live.models import LiveStream
from ingest.live.schemas import LiveStreamIn
from ingest.live.service import create_stream
from ingest.restream.models import PushState
from ingest.restream.pusher import Pusher, PushReport
from ingest.restream.schemas import DestinationIn
from ingest.restream.service import add_destination
from shopcast.auth.models import Role
from shopcast.auth.service import Principal, create_user
from shopcast.db import transaction
from shopcast.errors import ValidationFailed
from shopcast.runtime import Runtime
from tests.harness.encoders import encoder_source
from tests.harness.live import new_stream
from tests.harness.media import MediaFactory
from tests.harness.polling import poll
from tests.harness.stack import Stack

KEY = "live_abcdefgh12345678"


def _creator(stack: Stack, name: str) -> httpx.Client:
    return stack.client(stack.user(f"{name}-{time.monotonic_ns()}", "creator"))


def _post(
    client: httpx.Client, stream_id: str, url: str, name: str = "d", save: bool = False
) -> httpx.Response:
    body = {"name": name, "url": url, "save": save}
    return client.post(f"/v1/live-streams/{stream_id}/destinations", json=body)


def test_destination_keys_are_masked_and_other_creators_see_nothing(stack: Stack) -> None:
    with _creator(stack, "dest-owner") as owner, _creator(stack, "dest-other") as other:
        stream = new_stream(owner, "to many places")
        made = _post(owner, stream["id"], f"rtmp://127.0.0.1:1935/live2/{KEY}")
        assert made.status_code == 201, made.text
        assert KEY not in made.text
        assert made.json()["url_masked"] == "rtmp://127.0.0.1:1935/live2/****5678", made.json()
        srt = _post(owner, stream["id"], f"srt://127.0.0.1:9000?streamid={KEY}&passphrase=secret-passphrase")
        assert srt.status_code == 201, srt.text
        assert KEY not in srt.text
        assert "secret-passphrase" not in srt.text
        for bad in ("http://example.com/x", "rtmp://127.0.0.1/only-an-app", "rtmp://user:pw@127.0.0.1/a/b"):
            refused = _post(owner, stream["id"], bad)
            assert refused.status_code == 422, (bad, refused.text)

        path = f"/v1/live-streams/{stream['id']}/destinations"
        one = f"{path}/{made.json()['id']}"
        assert other.get(path).status_code == 404
        assert _post(other, stream["id"], f"rtmp://127.0.0.1/a/{KEY}").status_code == 404
        assert other.patch(one, json={"enabled": False}).status_code == 404
        assert other.delete(one).status_code == 404
        changed = owner.patch(one, json={"enabled": False, "name": "Shop (off)"})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["enabled"], changed.json()["name"]) == (False, "Shop (off)")
        assert owner.delete(one).status_code == 204
        assert owner.get(one).status_code == 404


def test_a_stream_has_a_limit_of_destinations_and_saved_ones_start_the_next_stream(stack: Stack) -> None:
    with _creator(stack, "dest-saver") as owner, _creator(stack, "dest-stranger") as other:
        stream = new_stream(owner, "limits")
        assert _post(owner, stream["id"], f"rtmp://127.0.0.1:1935/live2/{KEY}", save=True).status_code == 201
        for n in range(stack.settings.restream_max_destinations - 1):
            assert _post(owner, stream["id"], f"rtmp://127.0.0.1/a/{KEY}{n}").status_code == 201
        over = _post(owner, stream["id"], f"rtmp://127.0.0.1/a/{KEY}")
        assert over.status_code == 409, over.text
        assert over.json()["error"]["code"] == "too_many_destinations"

        saved = owner.get("/v1/saved-destinations").json()
        assert [s["url_masked"] for s in saved] == ["rtmp://127.0.0.1:1935/live2/****5678"]
        assert other.get("/v1/saved-destinations").json() == []
        following = new_stream(owner, "the next show")
        inherited = owner.get(f"/v1/live-streams/{following['id']}/destinations").json()
        assert [d["url_masked"] for d in inherited] == ["rtmp://127.0.0.1:1935/live2/****5678"]
        assert other.delete(f"/v1/saved-destinations/{saved[0]['id']}").status_code == 404
        assert owner.delete(f"/v1/saved-destinations/{saved[0]['id']}").status_code == 204
        assert owner.get("/v1/saved-destinations").json() == []


def _stream(runtime: Runtime) -> tuple[Principal, LiveStream]:
    with transaction(runtime.sessions) as session:
        user, _ = create_user(session, f"guarded-{time.monotonic_ns()}", Role.creator)
        principal = Principal(user.id, user.name, user.role)
        stream = create_stream(session, principal, LiveStreamIn(title="guarded"))
        session.expunge(stream)
        return principal, stream


@pytest.mark.parametrize(
    "url",
    [
        f"rtmp://127.0.0.1/live/{KEY}",
        f"rtmp://localhost:1935/live/{KEY}",
        f"rtmps://[::1]/live/{KEY}",
        f"srt://169.254.169.254:9000?streamid={KEY}",
        f"rtmp://10.0.0.1/live/{KEY}",
        f"rtmp://192.168.1.20/live/{KEY}",
    ],
)
def test_a_private_address_is_refused_when_the_destination_is_saved(runtime: Runtime, url: str) -> None:
    assert not runtime.settings.restream_allow_private
    _principal, stream = _stream(runtime)
    with transaction(runtime.sessions) as session, pytest.raises(ValidationFailed) as refused:
        add_destination(session, runtime.settings, stream, DestinationIn(name="x", url=url))
    assert refused.value.code == "unsafe_destination"
    assert "public addresses" in refused.value.message


def test_a_name_that_leads_to_a_private_address_is_refused_before_any_connection(
    media: MediaFactory, tmp_path: Path
) -> None:
    """As if `localhost` had resolved to a public address when the destination was saved: at connect
    time the pusher resolves again, finds loopback, and never opens a connection to it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(3)
    port = listener.getsockname()[1]
    reports: list[PushReport] = []
    with av.open(str(encoder_source(media.folder, 10))) as source:
        pusher = Pusher(
            "d1", f"rtmp://localhost:{port}/live/{KEY}", list(source.streams),
            allow_private=False, retry_max_s=1, report=reports.append,
        )  # fmt: skip
        pusher.start()
        poll(lambda: [r.state for r in reports], lambda seen: PushState.failed in seen, timeout_s=10,
             interval_s=0.1, what="the push refused")  # fmt: skip
        pusher.stop()
    refused = next(r for r in reports if r.state is PushState.failed)
    assert "public addresses" in (refused.error or ""), refused
    with pytest.raises(TimeoutError):
        listener.accept()  # nothing ever connected
    listener.close()
