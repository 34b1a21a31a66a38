"""Split and stitch: a long source encoded as chunks by two workers is frame-accurate."""

from __future__ import annotations

import io
import itertools
import subprocess
from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import httpx
import pytest
from sqlalchemy import select

from shopcast.jobs.models import Job
from shopcast.media.ffmpeg_runner import run_ffmpeg
from tests.harness.media import FFMPEG, MediaFactory
from tests.harness.services import free_port
from tests.harness.stack import Stack, boot
from tests.harness.tus import upload
from tests.transcode.outputs import playlist_uris, wait_for_ladder
from transcode.hls.command import LadderJob, build_hls_ladder
from transcode.hls.ladder import choose_rungs
from transcode.hls.master import ffmpeg_codecs
from transcode.hls.stitch import ChunkRung, Segment, describe_chunk_rung, plan_windows, stitched_playlist


def test_windows_start_on_frames_and_segment_boundaries() -> None:
    windows = plan_windows(180.0, 60, 30.0)
    assert [(w.start_s, w.first_segment) for w in windows] == [(0.0, 0), (60.0, 15), (120.0, 30)]
    assert windows[-1].start_s + windows[-1].duration_s > 180.0, "the last chunk takes the rest"
    assert [w.start_s for w in plan_windows(130.0, 60, 30.0)] == [0.0, 60.0], "10 s joins the last chunk"
    assert [w.start_s for w in plan_windows(140.0, 60, 30.0)] == [0.0, 60.0, 120.0]
    ntsc = plan_windows(180.0, 60, 30000 / 1001)
    for window in ntsc:
        frames = window.start_s * 30000 / 1001
        assert frames == pytest.approx(round(frames), abs=1e-6), "chunks start on an output frame"
    assert all(w.lead_s == pytest.approx(3 * 1001 / 30000) for w in ntsc)


def test_chunks_with_the_same_init_share_one_map() -> None:
    def chunk(init: str, digest: str, first: int) -> ChunkRung:
        segments = [Segment(f"c_seg_{first + i:05d}.m4s", 4.0, 1000) for i in range(2)]
        return ChunkRung(init, digest, segments, "avc1.64001e")

    same = stitched_playlist([chunk("c000_init.mp4", "a", 0), chunk("c001_init.mp4", "a", 2)])
    assert same.count("#EXT-X-MAP") == 1
    assert playlist_uris(same) == [f"c_seg_{i:05d}.m4s" for i in range(4)]
    differ = stitched_playlist([chunk("c000_init.mp4", "a", 0), chunk("c001_init.mp4", "b", 2)])
    assert differ.count("#EXT-X-MAP") == 2
    assert differ.index('URI="c001_init.mp4"') < differ.index("c_seg_00002.m4s")


@pytest.fixture
def split_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack that splits anything over a minute into 32 s chunks, with two single-process workers
    on the transcode queue and one for everything else (subtitles, probes), so the two transcode
    workers are free for chunks."""
    env = {"SHOPCAST_SPLIT_ABOVE_S": "60", "SHOPCAST_CHUNK_S": "32"}
    stack = boot("split", env, tmp_path / "stack", free_port())
    try:
        stack.stop("worker")
        for name, queues in (
            ("worker-a", "transcode"),
            ("worker-b", "transcode"),
            ("worker-c", "probe,subtitles,render,publish,webhooks"),
        ):
            stack.start_worker(name, queues, concurrency=1)
            stack.wait_worker_ready(name)
        yield stack
    finally:
        stack.stop_all()


def _packets(master_url: str, stream: str) -> tuple[list[int], list[int], Fraction]:
    """Presentation times (sorted) and durations of every packet of one stream a player gets from
    the signed master, with their time base."""
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-v", "error", "-i", master_url, "-map", stream, "-c", "copy",
         "-f", "framemd5", "-"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    time_base = next(line for line in done.stdout.splitlines() if line.startswith("#tb 0:"))
    rows = [line.split(",") for line in done.stdout.splitlines() if line and not line.startswith("#")]
    pts = sorted(int(row[2]) for row in rows)  # packets come in decode order
    return pts, [int(row[3]) for row in rows], Fraction(time_base.split(":", 1)[1].strip())


def _single_process_frames(source: Path, folder: Path) -> int:
    rungs = choose_rungs(640, 360)
    job = LadderJob(source=source, output_dir=folder, rungs=rungs, fps=30.0, interlaced=False, has_audio=True)
    run_ffmpeg(build_hls_ladder(job), timeout_s=600)
    rung = folder / rungs[0].name
    data = next(rung.glob("init*.mp4")).read_bytes()
    data += b"".join(path.read_bytes() for path in sorted(rung.glob("seg_*.m4s")))
    with av.open(io.BytesIO(data), mode="r") as container:
        return sum(1 for packet in container.demux(container.streams.video[0]) if packet.size)


def test_two_workers_split_a_three_minute_source_frame_accurately(
    split_stack: Stack, media: MediaFactory, tmp_path: Path
) -> None:
    source = media.long_360p(180)
    with split_stack.client(split_stack.user("splitter", "creator")) as client:
        asset_id = upload(client, source)
        asset = wait_for_ladder(client, asset_id, timeout=600)
    transcode = next(j for j in asset["jobs"] if j["kind"] == "transcode")
    assert transcode["state"] == "succeeded", transcode["error"]
    with split_stack.runtime.sessions() as session:
        chunks = list(
            session.scalars(select(Job).where(Job.parent_id.is_not(None), Job.asset_id == asset_id))
        )
    assert len(chunks) == 6
    assert all(chunk.state == "succeeded" for chunk in chunks)
    assert len({chunk.worker for chunk in chunks}) == 2, "both workers encoded chunks"

    master_url = asset["playback"]["hls"]
    master = httpx.get(master_url).text
    assert '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio"' in master
    assert 'AUDIO="audio"' in master
    assert "mp4a.40.2" in master

    pts, _durations, video_base = _packets(master_url, "0:v:0")
    steps = Counter(b - a for a, b in itertools.pairwise(pts))
    assert len(steps) == 1, f"frames one frame apart everywhere, joins included: {steps}"
    assert len(pts) == _single_process_frames(source, tmp_path / "single") == 180 * 30

    audio_pts, audio_durations, audio_base = _packets(master_url, "0:a:0")
    assert float(sum(audio_durations) * audio_base) == pytest.approx(180.0, abs=0.1)
    offset = float(audio_pts[0] * audio_base - pts[0] * video_base)
    assert abs(offset) < 0.040, f"audio starts {offset * 1000:.0f} ms from the video"


@pytest.mark.parametrize(("size", "names"), [("960x540", ["540p", "360p"]), ("640x360", ["360p"])])
def test_chunks_join_frame_accurately_on_every_rung(
    media: MediaFactory, tmp_path: Path, size: str, names: list[str]
) -> None:
    """Two chunks through one or two rungs (FFmpeg names init segments differently for each case),
    joined as the transcode job joins them, read back by FFmpeg."""
    source = media.h264_ladder_ready(seconds=13, size=size, kbps=1500, gop=30)
    width, height = (int(v) for v in size.split("x"))
    rungs = choose_rungs(width, height)
    assert [r.name for r in rungs] == names
    windows = plan_windows(13.0, 8, 30.0)
    assert [w.start_s for w in windows] == [0.0, 8.0]
    output = tmp_path / "hls"
    job = LadderJob(
        source=source, output_dir=output, rungs=rungs, fps=30.0, interlaced=False, has_audio=False
    )
    for window in windows:
        run_ffmpeg(build_hls_ladder(job, window), timeout_s=300)
    for rung in rungs:
        chunks = []
        for window in windows:
            codecs = ffmpeg_codecs(output, f"{window.label}_master.m3u8")[rung.name]
            chunks.append(describe_chunk_rung(output / rung.name, window.label, codecs))
        assert len({c.init_sha256 for c in chunks}) == 1, "one init segment serves every chunk"
        assert all("%" not in c.init_uri for c in chunks)
        (output / rung.name / "index.m3u8").write_text(stitched_playlist(chunks))
        with av.open(str(output / rung.name / "index.m3u8")) as container:
            stream = container.streams.video[0]
            pts = sorted(p.pts for p in container.demux(stream) if p.size and p.pts is not None)
        assert len(pts) == 13 * 30
        assert len({b - a for a, b in itertools.pairwise(pts)}) == 1, "no gap or repeat at the join"
