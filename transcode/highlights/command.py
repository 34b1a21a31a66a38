"""The one FFmpeg pass a highlight job makes: shot changes from the picture, loudness per quarter second
from the sound, each written by a `metadata` filter to a file of its own (`signals.py` reads them)."""

from __future__ import annotations

from pathlib import Path

from shopcast.media.filter_values import filter_path

# The scene score is the picture's change from the frame before (0 to 1); a hard cut between
# different shots scores well above this, a moving camera or a presenter's gestures below it.
SHOT_THRESHOLD = 0.3
# Scene scores of a small picture are as good as of a large one, and much cheaper.
_SHOT_PICTURE = "scale=160:90:flags=fast_bilinear"
# One loudness figure per LOUDNESS_STEP_S of sound: 8 kHz mono, 2000 samples per frame.
_ENERGY_RATE = 8000
LOUDNESS_STEP_S = 0.25


def build_show_signals(source: Path, shots: Path | None, energy: Path | None) -> list[str]:
    """Shot changes to `shots` (frames whose scene score passes the threshold) and the RMS level
    of every quarter second of sound to `energy`; either may be None when the source has no such stream."""
    # Cuts are seen as well without the deblocking filter or the frames no other frame refers to
    # (B-frames mostly): the decode, which is most of the pass, does about half the work.
    args = ["-y", "-skip_loop_filter", "all", "-skip_frame", "noref", "-i", str(source)]
    if shots is not None:
        select = f"select='gt(scene\\,{SHOT_THRESHOLD})'"
        args += [
            "-map", "0:v:0", "-vf", f"{_SHOT_PICTURE},{select},metadata=print:file={filter_path(shots)}",
            "-f", "null", "-",
        ]  # fmt: skip
    if energy is not None:
        stats = (
            f"aformat=sample_fmts=flt:channel_layouts=mono:sample_rates={_ENERGY_RATE},"
            f"asetnsamples=n={round(_ENERGY_RATE * LOUDNESS_STEP_S)}:p=0,"
            "astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=RMS_level,"
            f"ametadata=print:key=lavfi.astats.Overall.RMS_level:file={filter_path(energy)}"
        )
        args += ["-map", "0:a:0", "-af", stats, "-f", "null", "-"]
    return args
