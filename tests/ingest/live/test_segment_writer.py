"""The recorder on its own, fed real encoded frames: losses, keyframe requests, a change of picture size."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import av

from ingest.live.segment_reader import remux, segment_files
from ingest.live.segment_writer import LiveRecorder, is_keyframe
from tests.harness.live import h264_frames, opus_frames


def _feed(recorder: LiveRecorder, video: list[bytes], audio: list[bytes], start: int = 0) -> None:
    for n, frame in enumerate(video):
        recorder.write("video", (start + n) * 3000, frame)
        for k in range(3 * (start + n) // 2, 3 * (start + n + 1) // 2):  # 20 ms audio per 33 ms video
            if k < len(audio):
                recorder.write("audio", k * 960, audio[k])


def test_after_a_loss_frames_wait_for_a_keyframe_which_is_asked_for(tmp_path: Path) -> None:
    asked: list[int] = []
    recorder = LiveRecorder(
        tmp_path, "h264", segment_s=2.0, sync_wait_s=0.0, request_keyframe=lambda: asked.append(1)
    )
    video, audio = h264_frames(320, 240, 40, gop=10), opus_frames(70)
    _feed(recorder, video[:15], audio)
    recorder.frames_lost()  # aiortc lost packets after frame 14: what follows is broken
    _feed(recorder, video[15:], audio, start=15)
    recorder.close()
    assert recorder.frames_dropped == 5  # frames 15 to 19, up to the keyframe at 20
    assert asked == [1]
    joined = remux(segment_files(tmp_path), tmp_path / "joined.mkv")
    assert joined is not None
    with av.open(str(joined.path)) as container:
        decoded = list(container.decode(video=0))
    assert len(decoded) == 40 - 5
    assert decoded[15].key_frame, "the recording goes on from the keyframe, with no broken picture"


def test_a_new_picture_size_starts_a_new_segment_and_both_sizes_play_back(tmp_path: Path) -> None:
    recorder = LiveRecorder(tmp_path, "h264", segment_s=60.0, sync_wait_s=0.0)
    small, large = h264_frames(320, 240, 20), h264_frames(640, 360, 20)
    assert is_keyframe("h264", large[0])
    audio = opus_frames(70)
    _feed(recorder, small, audio)
    _feed(recorder, large, audio, start=20)
    recorder.close()
    assert len(segment_files(tmp_path)) == 2, "the publisher's new picture size opens a segment"
    joined = remux(segment_files(tmp_path), tmp_path / "joined.mkv")
    assert joined is not None
    with av.open(str(joined.path)) as container:
        sizes = [(f.width, f.height) for f in container.decode(video=0)]
    assert sizes[:20] == [(320, 240)] * 20
    assert sizes[20:] == [(640, 360)] * 20


def test_joining_opens_one_segment_at_a_time_so_a_long_recording_fits_the_file_limit(tmp_path: Path) -> None:
    recorder = LiveRecorder(tmp_path, "h264", segment_s=0.05, sync_wait_s=0.0)
    _feed(recorder, h264_frames(160, 120, 120, gop=3), opus_frames(200))
    recorder.close()
    segments = segment_files(tmp_path)
    assert len(segments) == 40
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = len(os.listdir("/proc/self/fd"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 16, hard))  # far fewer than the segments
    try:
        joined = remux(segments, tmp_path / "joined.mkv")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert joined is not None
    with av.open(str(joined.path)) as container:
        assert sum(1 for p in container.demux(video=0) if p.size) == 120
