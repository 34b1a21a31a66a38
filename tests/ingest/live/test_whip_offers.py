"""WHIP offers and keys that the API refuses, each with its own status and code and never a 500,
and the WHIP endpoint's other methods (PATCH, OPTIONS, CORS preflight)."""

from __future__ import annotations

import time

import httpx

from tests.harness.live import new_stream, plain_offer, whip_headers
from tests.harness.stack import Stack


def _section(kind: str, payload: int, codec: str, extra: str = "") -> str:
    ice = "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:actpass\r\n"
    fingerprint = f"a=fingerprint:sha-256 {':'.join(['AB'] * 32)}\r\n"
    return (
        f"m={kind} 9 UDP/TLS/RTP/SAVPF {payload}\r\nc=IN IP4 0.0.0.0\r\na=mid:{kind}\r\na=sendonly\r\n"
        f"a=rtcp-mux\r\n{ice}{fingerprint}a=rtpmap:{payload} {codec}\r\n{extra}"
    )


# What FFmpeg offers when it copies a High-profile H.264 source: aiortc receives constrained baseline only
HIGH_PROFILE_OFFER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE video audio\r\n"
    + _section("video", 98, "H264/90000", "a=fmtp:98 packetization-mode=1;profile-level-id=640028\r\n")
    + _section("audio", 111, "opus/48000/2")
)

# A camera and a screen: the recorder keeps one picture
TWO_VIDEOS_OFFER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    + _section("video", 98, "H264/90000")
    + _section("video", 97, "VP8/90000")
)


def test_bad_offers_and_keys_get_clear_errors_not_500s(stack: Stack) -> None:
    client = stack.client(stack.user(f"bad-{time.monotonic_ns()}", "creator"))
    stream = new_stream(client, "bad offers")
    key = stream["stream_key"]
    raw = httpx.Client(base_url=stack.base_url, timeout=10)

    def post(body: str | bytes, headers: dict[str, str]) -> httpx.Response:
        return raw.post("/v1/live/whip", content=body, headers=headers)

    good_codecs, sdp = plain_offer("H264", "opus/48000/2"), whip_headers(key)
    cases = {
        "garbage": (post("hello, this is not SDP", sdp), 400, "invalid_sdp"),
        "binary": (post(b"\xff\xfe\x00v=0", sdp), 400, "invalid_sdp"),
        "no media": (
            post("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", sdp),
            400,
            "no_media",
        ),
        "codecs": (post(plain_offer("VP9", "PCMU/8000"), sdp), 415, "unsupported_codecs"),
        "audio codec": (post(plain_offer("H264", "PCMU/8000"), sdp), 415, "unsupported_codecs"),
        "json": (
            post("{}", {**sdp, "Content-Type": "application/json"}),
            415,
            "unsupported_media_type",
        ),
        "1 MB": (post(b"v=0\r\n" + b"a=x\r\n" * 200_000, sdp), 413, "too_large"),
        "wrong key": (post(good_codecs, whip_headers("lk_nobody")), 401, "unknown_stream_key"),
        "two videos": (post(TWO_VIDEOS_OFFER, sdp), 400, "too_many_tracks"),
        "high profile": (post(HIGH_PROFILE_OFFER, sdp), 415, "unsupported_codecs"),
        "no key": (post(good_codecs, {"Content-Type": "application/sdp"}), 401, "unauthorized"),
    }
    for name, (response, status, code) in cases.items():
        assert response.status_code == status, (name, response.status_code, response.text)
        assert response.json()["error"]["code"] == code, (name, response.text)
        assert response.json()["error"]["message"], name
    assert "your live stream or booking" in cases["wrong key"][0].json()["error"]["message"]
    assert client.get(f"/v1/live-streams/{stream['id']}").json()["state"] == "idle"
    patch = raw.patch(f"/v1/live/whip/{'0' * 32}", content="a=candidate", headers=whip_headers(key))
    assert patch.status_code == 405
    options = raw.options("/v1/live/whip")
    assert options.status_code == 204
    assert options.headers["accept-post"] == "application/sdp"
    preflight = raw.options(
        "/v1/live/whip",
        headers={"Origin": "https://studio.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://studio.example")
