"""A source that already fits a rung becomes that rung unchanged: repackaged, never re-encoded."""

from __future__ import annotations

import hashlib
import io

import av
import httpx

from tests.harness.media import MediaFactory
from tests.harness.stack import Stack
from tests.harness.tus import upload
from tests.transcode.outputs import fetch_rung, playlist_uris, wait_for_ladder
from transcode.hls.command import SEGMENT_S
from transcode.hls.ladder import choose_rungs
from transcode.hls.passthrough import copyable_rung, inspect_h264

SOURCE: dict[str, object] = {"rotation": 0, "interlaced": False, "vfr": False, "fps": 30.0}


def _packet_hashes(data: bytes, limit: int | None = None) -> list[str]:
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.video[0]
        hashes = [hashlib.sha256(bytes(p)).hexdigest() for p in container.demux(stream) if p.size]
    return hashes[:limit] if limit is not None else hashes


def test_only_a_source_with_idr_frames_on_segment_starts_within_the_bitrate_is_copyable(
    media: MediaFactory,
) -> None:
    rungs = choose_rungs(640, 360)
    ready = inspect_h264(media.h264_ladder_ready(seconds=9, size="640x360", kbps=500))
    assert ready is not None
    assert ready.idr_times[:5] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert copyable_rung(ready, SOURCE, rungs, 30.0, SEGMENT_S) == rungs[0]

    assert copyable_rung(ready, {**SOURCE, "rotation": 90}, rungs, 30.0, SEGMENT_S) is None
    assert copyable_rung(ready, {**SOURCE, "interlaced": True}, rungs, 30.0, SEGMENT_S) is None
    assert copyable_rung(ready, SOURCE, rungs, 25.0, SEGMENT_S) is None, "the ladder changes the frame rate"

    too_rich = inspect_h264(media.h264_ladder_ready(seconds=9, size="640x360", kbps=2000))
    assert copyable_rung(too_rich, SOURCE, rungs, 30.0, SEGMENT_S) is None

    odd_gop = inspect_h264(media.h264_ladder_ready(seconds=9, size="640x360", kbps=500, gop=75))
    assert odd_gop is not None
    assert 4.0 not in odd_gop.idr_times
    assert copyable_rung(odd_gop, SOURCE, rungs, 30.0, SEGMENT_S) is None

    assert inspect_h264(media.hevc_vertical_vfr()) is None


def test_a_compliant_h264_source_is_its_own_top_rung(stack: Stack, media: MediaFactory) -> None:
    source = media.h264_ladder_ready(seconds=8)
    with stack.client(stack.user(f"passthrough-{stack.name}", "creator")) as client:
        asset_id = upload(client, source)
        asset = wait_for_ladder(client, asset_id)
    transcode = next(j for j in asset["jobs"] if j["kind"] == "transcode")
    assert transcode["state"] == "succeeded", transcode["error"]
    assert [(r["name"], r["passthrough"]) for r in asset["renditions"]] == [
        ("1080p", True),
        ("720p", False),
        ("540p", False),
        ("360p", False),
    ]

    master_url = asset["playback"]["hls"]
    base = master_url.split("?", 1)[0].rsplit("/", 1)[0]
    rungs = {}
    for uri in playlist_uris(httpx.get(master_url).text):
        playlist = httpx.get(f"{base}/{uri}").text
        rungs[uri.split("/")[0]] = fetch_rung(f"{base}/{uri.split('/')[0]}", playlist)

    init, segments, durations = rungs["1080p"]
    copied = _packet_hashes(init + segments[0])
    assert len(copied) == 4 * 30, "the first segment holds 4 s of the source's frames"
    assert copied == _packet_hashes(source.read_bytes(), limit=len(copied)), "same bitstream, frame by frame"
    for name in ("720p", "540p", "360p"):
        assert rungs[name][2] == durations, "the copied rung switches at the same instants as the others"
