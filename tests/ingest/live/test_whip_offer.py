"""WHIP offers are checked and trimmed before aiortc sees them."""

from __future__ import annotations

import pytest

from ingest.live.whip_offer import InvalidOffer, UnsupportedOffer, parse_offer

HEAD = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def _media(kind: str, codecs: list[tuple[int, str]]) -> str:
    port = "9 UDP/TLS/RTP/SAVPF " + " ".join(str(pt) for pt, _ in codecs)
    lines = [f"m={kind} {port}", "c=IN IP4 0.0.0.0", "a=sendonly"]
    lines += [f"a=rtpmap:{pt} {name}" for pt, name in codecs]
    lines += [f"a=fmtp:{pt} apt=98" for pt, name in codecs if name.startswith("rtx")]
    return "\r\n".join(lines) + "\r\n"


def test_codecs_we_would_not_keep_are_removed_so_aiortc_cannot_answer_with_them() -> None:
    offer = parse_offer(
        HEAD
        + _media("audio", [(0, "PCMU/8000"), (111, "opus/48000/2")])
        + _media("video", [(96, "VP9/90000"), (98, "H264/90000"), (99, "rtx/90000"), (97, "VP8/90000")])
    )
    assert offer.video_codecs == ("h264", "vp8")
    assert "PCMU" not in offer.sdp
    assert "VP9" not in offer.sdp
    assert "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" in offer.sdp
    assert "m=video 9 UDP/TLS/RTP/SAVPF 98 99 97\r\n" in offer.sdp
    assert "a=rtpmap:99 rtx/90000" in offer.sdp  # retransmissions of H.264 stay
    assert "a=sendonly" in offer.sdp  # everything else is left as it was


def test_more_than_one_video_or_audio_track_is_refused() -> None:
    two_videos = HEAD + _media("video", [(98, "H264/90000")]) + _media("video", [(97, "VP8/90000")])
    with pytest.raises(InvalidOffer) as refused:
        parse_offer(two_videos)
    assert refused.value.code == "too_many_tracks"


def test_only_unrecordable_codecs_are_unsupported() -> None:
    with pytest.raises(UnsupportedOffer):
        parse_offer(HEAD + _media("video", [(96, "VP9/90000")]) + _media("audio", [(111, "opus/48000/2")]))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("v=0\r\nm=video\r\n", id="bare m= line"),
        pytest.param(
            HEAD + _media("video", [(98, "H264/90000")]).replace("c=IN IP4 0.0.0.0", "c=IN IP4"), id="bare c="
        ),
        pytest.param(
            HEAD + _media("video", [(98, "H264/90000")]) + "a=candidate:1 1 udp x\r\n", id="short candidate"
        ),
        pytest.param("v=0\r\na=group\r\n" + _media("video", [(98, "H264/90000")]), id="bare a=group"),
    ],
)
def test_sdp_that_breaks_aiortcs_parser_is_an_invalid_offer_not_a_crash(text: str) -> None:
    with pytest.raises(InvalidOffer) as refused:
        parse_offer(text)
    assert refused.value.status == 400
    assert refused.value.code == "invalid_sdp"
