"""Picture quality of an encode against its source: VMAF from FFmpeg's libvmaf."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av

from tests.harness.media import FFMPEG


@dataclass(frozen=True)
class Vmaf:
    mean: float
    minimum: float
    frames: int


def vmaf(distorted: Path, reference: Path, log: Path) -> Vmaf:
    """VMAF (model vmaf_v0.6.1) of `distorted` scaled to the reference's size, frame by frame from
    the first frame of each."""
    with av.open(str(reference)) as container:
        context = container.streams.video[0].codec_context
        width, height = context.width, context.height
    graph = (
        f"[0:v]scale={width}:{height}:flags=bicubic,setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
        f"[d][r]libvmaf=log_fmt=json:log_path={log}:n_threads=2"
    )
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(distorted), "-i", str(reference),
         "-lavfi", graph, "-f", "null", "-"],
        check=True, timeout=600,
    )  # fmt: skip
    report = json.loads(log.read_text())
    pooled = report["pooled_metrics"]["vmaf"]
    return Vmaf(mean=float(pooled["mean"]), minimum=float(pooled["min"]), frames=len(report["frames"]))
