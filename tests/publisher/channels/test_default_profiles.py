"""Each default profile, end to end on the running stacks: a clip of a 16:9 1080p30 source with speech
is conformed, checked and delivered to a pull channel; the test fetches the file through the partner
API and checks it again, independently, with PyAV and FFmpeg's ebur128."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
import webvtt

from tests.harness.stack import Stack
from tests.publisher.studio import (
    Studio,
    create_channel,
    integrated_lufs,
    publish,
    sha256_hex,
    wait_settled,
)

PROFILES = ("tcommerce", "vcommerce", "overseas")
BRIGHT = 200


@dataclass(frozen=True)
class Delivered:
    publication: dict[str, Any]
    partner_view: dict[str, Any]
    path: Path


@pytest.fixture(scope="module")
def delivered(stack: Stack, studio: Studio, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Delivered]:
    """The 8 s clip published to one pull channel per default profile, all queued at once."""
    folder = tmp_path_factory.mktemp("delivered")
    with stack.client(studio.admin) as admin:
        channels = {
            name: create_channel(admin, f"{name}-{stack.name}", name, {"type": "pull"}, [studio.partner_id])
            for name in PROFILES
        }
    with stack.client(studio.creator) as creator:
        queued = {name: publish(creator, studio.clip_id, channels[name]["id"]) for name in PROFILES}
        settled = {name: wait_settled(creator, queued[name]["id"]) for name in PROFILES}
    result = {}
    with stack.client(studio.partner) as partner:
        for name, publication in settled.items():
            assert publication["state"] == "delivered", publication
            view = partner.get(f"/v1/partner/clips/{publication['id']}").json()
            answer = httpx.get(view["download_url"], timeout=60)
            assert answer.status_code == 200, answer.text
            (folder / name).mkdir()
            path = folder / name / publication["receipt"]["key"].rsplit("/", 1)[-1]
            path.write_bytes(answer.content)
            result[name] = Delivered(publication, view, path)
    return result


def _video_facts(path: Path) -> dict[str, Any]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        context = video.codec_context
        frames = [frame for _, frame in zip(range(6), container.decode(video), strict=False)]
        return {
            "container": container.format.name,
            "size": (video.width, video.height),
            "fps": float(video.average_rate or 0),
            "codec": context.name,
            "profile": context.profile,
            "pix_fmt": context.format.name if context.format else None,
            "field_order": context.field_order,
            "interlaced": all(frame.interlaced_frame for frame in frames),
            "audio": [(s.codec_context.name, s.channels, s.sample_rate) for s in container.streams.audio],
            "duration_s": (container.duration or 0) / av.time_base,
        }


def test_tcommerce_delivers_xdcam_hd422_1080i_tff_in_mxf_at_minus_24(delivered: dict[str, Delivered]) -> None:
    result = delivered["tcommerce"]
    facts = _video_facts(result.path)
    assert result.path.suffix == ".mxf"
    assert sha256_hex(result.path.read_bytes()) == result.publication["receipt"]["sha256"]
    assert facts["container"] == "mxf"
    assert facts["size"] == (1920, 1080)
    assert facts["fps"] == pytest.approx(30000 / 1001, abs=0.001)
    assert facts["interlaced"], "every decoded frame is interlaced"
    assert facts["field_order"] in (2, 5), "top field displayed first (AV_FIELD_TT or AV_FIELD_BT)"
    assert (facts["codec"], facts["profile"], facts["pix_fmt"]) == ("mpeg2video", "4:2:2", "yuv422p")
    assert facts["audio"] == [("pcm_s24le", 1, 48000), ("pcm_s24le", 1, 48000)], "PCM 24-bit mono tracks"
    assert facts["duration_s"] == pytest.approx(8.0, abs=0.1)
    assert integrated_lufs(result.path, mono_tracks=True) == pytest.approx(-24.0, abs=1.0)
    assert any(s["language"] == "en" and s["srt_url"] for s in result.partner_view["subtitles"])


def _bright_in_lower_third(path: Path, at_s: float) -> int:
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            if frame.time is not None and frame.time >= at_s:
                plane = frame.reformat(format="gray").planes[0]
                data, stride = bytes(plane), plane.line_size
                rows = range(frame.height * 2 // 3, frame.height)
                columns = range(0, frame.width, 2)
                return sum(1 for row in rows for x in columns if data[row * stride + x] > BRIGHT)
    raise AssertionError(f"no frame at {at_s} s")


def test_vcommerce_delivers_vertical_h264_at_minus_14_with_burned_subtitles(
    delivered: dict[str, Delivered],
) -> None:
    result = delivered["vcommerce"]
    facts = _video_facts(result.path)
    assert result.path.suffix == ".mp4"
    assert facts["size"] == (1080, 1920)
    assert (facts["codec"], facts["profile"]) == ("h264", "High")
    assert facts["fps"] == pytest.approx(30.0, abs=0.01)
    assert facts["audio"] == [("aac", 2, 48000)]
    assert integrated_lufs(result.path) == pytest.approx(-14.0, abs=1.0)
    # The source's picture is one dark colour: anything bright in the lower third is burned-in text.
    assert max(_bright_in_lower_third(result.path, t) for t in (2.0, 4.0, 6.0)) > 200


def test_overseas_delivers_1080p_h264_at_minus_23_with_english_sidecars(
    delivered: dict[str, Delivered], tmp_path: Path
) -> None:
    result = delivered["overseas"]
    facts = _video_facts(result.path)
    assert facts["size"] == (1920, 1080)
    assert (facts["codec"], facts["profile"]) == ("h264", "High")
    assert not facts["interlaced"]
    assert integrated_lufs(result.path) == pytest.approx(-23.0, abs=1.0)
    sidecars = result.publication["receipt"]["sidecars"]
    assert {s["key"].rsplit(".", 1)[-1] for s in sidecars} == {"srt", "vtt", "json"}, "subtitles, products"
    assert {s["language"] for s in sidecars if not s["key"].endswith(".products.json")} == {"en"}
    english = next(s for s in result.partner_view["subtitles"] if s["language"] == "en")
    vtt = tmp_path / "en.vtt"
    vtt.write_bytes(httpx.get(english["vtt_url"], timeout=30).content)
    words = " ".join(caption.text for caption in webvtt.read(str(vtt)).captions).lower()
    assert "bottle" in words or "water" in words, words
    srt = httpx.get(english["srt_url"], timeout=30)
    assert srt.status_code == 200
    assert "-->" in srt.text
    assert _bright_in_lower_third(result.path, 4.0) == 0, "overseas burns nothing in by default"
