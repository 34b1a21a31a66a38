"""The FFmpeg argument list that renders a clip's MP4 master in one process.

Each range is its own input, opened with an accurate seek (`-ss` before `-i`: FFmpeg decodes from
the keyframe before and drops the frames before the range), then cut to the frame with
`trim`/`atrim`, framed (crop by focus, scale), and the pieces are joined by `concat`. Title and
overlays are `drawtext` lines in a Hangul font, burned subtitles an `ass` filter. The master is
encoded like the top rung of a ladder (closed 2 s GOPs, capped bitrate), so the clip's HLS ladder
can copy it instead of encoding that rung again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from shopcast.media.filter_values import filter_value
from transcode.clips.edit import ClipEdit, Overlay, TimeRange, clip_windows
from transcode.clips.framing import Crop, crop_box, crop_origin
from transcode.clips.text import TextLayout, font_file
from transcode.hls.command import GOP_S
from transcode.hls.ladder import AUDIO_KBPS
from transcode.subtitles.command import burn_in_filter

__all__ = ["ClipRender", "build_clip_render"]

_FADE_S = 0.01  # a join without a click: each range's audio fades in and out this fast
_CRF = "20"


@dataclass(frozen=True)
class ClipRender:
    source: Path
    output: Path
    edit: ClipEdit
    source_width: int  # the picture as displayed (after rotation)
    source_height: int
    fps: float
    has_audio: bool
    interlaced: bool
    video_kbps: int  # the cap of the ladder rung the master stands in for
    preset: str = "veryfast"
    subtitles: Path | None = None  # an ASS script at the clip's size, already re-timed to the cut


def build_clip_render(job: ClipRender) -> list[str]:
    """Inputs, filter graph and encoder settings for the MP4 master (H.264 High, AAC, +faststart)."""
    args = ["-y"]
    for r in job.edit.ranges:
        args += ["-ss", f"{r.in_s:.6f}", "-t", f"{r.duration_s + 1:.6f}", "-i", str(job.source)]
    args += ["-filter_complex", _filter_graph(job), "-map", "[vout]"]
    if job.has_audio:
        args += ["-map", "[aout]"]
    gop = max(1, round(job.fps * GOP_S))
    args += [
        "-c:v", "libx264", "-profile:v", "high", "-preset", job.preset, "-crf", _CRF,
        "-maxrate", f"{int(job.video_kbps * 1.1)}k", "-bufsize", f"{int(job.video_kbps * 1.5)}k",
        "-pix_fmt", "yuv420p", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-x264-params", "scenecut=0:open-gop=0", "-force_key_frames", f"expr:gte(t,n_forced*{GOP_S})",
    ]  # fmt: skip
    if job.has_audio:
        args += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ar", "48000", "-ac", "2"]
    return [*args, "-movflags", "+faststart", str(job.output)]


def _filter_graph(job: ClipRender) -> str:
    edit = job.edit
    crop = crop_box(job.source_width, job.source_height, edit.aspect)
    chains: list[str] = []
    joined = ""
    for index, piece in enumerate(edit.ranges):
        chains.append(_video_piece(index, piece, crop, edit, job.interlaced))
        joined += f"[v{index}]"
        if job.has_audio:
            chains.append(_audio_piece(index, piece))
            joined += f"[a{index}]"
    outputs = "[vcat][aout]" if job.has_audio else "[vcat]"
    chains.append(f"{joined}concat=n={len(edit.ranges)}:v=1:a={int(job.has_audio)}{outputs}")
    rate = Fraction(job.fps).limit_denominator(1001)
    finish = [f"fps={rate.numerator}/{rate.denominator}", *_text_filters(edit)]
    if job.subtitles is not None:
        finish.append(burn_in_filter(job.subtitles))
    chains.append("[vcat]" + ",".join([*finish, "format=yuv420p"]) + "[vout]")
    return ";".join(chains)


def _video_piece(index: int, piece: TimeRange, crop: Crop, edit: ClipEdit, interlaced: bool) -> str:
    x, y = crop_origin(crop, edit.focus, piece.in_s)
    steps = ["bwdif=mode=send_frame"] if interlaced else []
    steps += [
        f"trim=duration={piece.duration_s:.6f}",
        "setpts=PTS-STARTPTS",
        f"crop=w={crop.width}:h={crop.height}:x={filter_value(x)}:y={filter_value(y)}",
        f"scale={edit.width}:{edit.height}:flags=bicubic",
        "setsar=1",
    ]
    return f"[{index}:v:0]" + ",".join(steps) + f"[v{index}]"


def _audio_piece(index: int, piece: TimeRange) -> str:
    fade_out_at = max(0.0, piece.duration_s - _FADE_S)
    steps = [
        f"atrim=duration={piece.duration_s:.6f}",
        "asetpts=PTS-STARTPTS",
        "aresample=48000",
        "aformat=sample_fmts=fltp:channel_layouts=stereo",
        f"afade=t=in:d={_FADE_S}",
        f"afade=t=out:st={fade_out_at:.6f}:d={_FADE_S}",
    ]
    return f"[{index}:a:0]" + ",".join(steps) + f"[a{index}]"


def _text_filters(edit: ClipEdit) -> list[str]:
    layout = TextLayout(edit.width, edit.height, subtitles=edit.burn_subtitles is not None)
    filters = []
    if edit.title:
        filters.append(_title(edit.title, layout))
    for overlay in edit.overlays:
        windows = clip_windows(edit.ranges, overlay.from_s, overlay.to_s)
        if windows:
            filters.append(_overlay(overlay, layout, windows, has_title=bool(edit.title)))
    return filters


def _title(text: str, layout: TextLayout) -> str:
    size = layout.title_size
    options = _text_options(text, size, bold=True, padding=layout.padding(size))
    top = layout.margin + layout.padding(size)
    return _drawtext({**options, "borderw": str(max(1, size // 24)), "x": "(w-text_w)/2", "y": str(top)})


def _overlay(
    overlay: Overlay, layout: TextLayout, windows: Sequence[tuple[float, float]], has_title: bool
) -> str:
    size = layout.overlay_size
    padding = layout.padding(size)
    vertical, _, horizontal = overlay.position.partition("-")
    side = layout.margin + padding
    x = {"left": str(side), "right": f"w-text_w-{side}"}.get(horizontal, "(w-text_w)/2")
    y = str(layout.top_y(has_title)) if vertical == "top" else f"h-line_h-{layout.bottom_gap()}"
    shown = "+".join(f"between(t,{start:.3f},{end:.3f})" for start, end in windows)
    options = _text_options(overlay.text, size, bold=False, padding=padding)
    return _drawtext({**options, "x": x, "y": y, "enable": shown})


def _text_options(text: str, size: int, bold: bool, padding: int) -> dict[str, str]:
    return {
        "fontfile": str(font_file(bold)),
        "text": text,
        "expansion": "none",  # the text is shown as it is: no %{...} expansion
        "fontsize": str(size),
        "fontcolor": "white",
        "bordercolor": "black",
        "box": "1",
        "boxcolor": "black@0.55",
        "boxborderw": str(padding),
    }


def _drawtext(options: dict[str, str]) -> str:
    return "drawtext=" + ":".join(f"{key}={filter_value(value)}" for key, value in options.items())
