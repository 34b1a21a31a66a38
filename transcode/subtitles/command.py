"""FFmpeg argument lists for subtitles: the speech track Whisper hears, and burning cues into pictures.

Burn-in is a filter (libass through FFmpeg's `ass` filter) so that clips and channel profiles can put
it into their own filter graphs; `build_burn_in` is the stand-alone render around it.
"""

from __future__ import annotations

from pathlib import Path

from shopcast.media.filter_values import filter_path

WHISPER_SAMPLE_RATE = 16000
# Debian's fonts-nanum (installed by the Makefile): Hangul and Latin in one face.
KOREAN_FONTS_DIR = Path("/usr/share/fonts/truetype/nanum")


def build_speech_extract(source: Path, wav: Path) -> list[str]:
    """The first audio stream as 16 kHz mono 16-bit PCM, what Whisper's feature extractor expects."""
    return [
        "-y", "-i", str(source), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(WHISPER_SAMPLE_RATE),
        "-c:a", "pcm_s16le", "-f", "wav", str(wav),
    ]  # fmt: skip


def burn_in_filter(ass_script: Path, fonts_dir: Path = KOREAN_FONTS_DIR) -> str:
    """The filter that draws an ASS script's cues onto the picture."""
    return f"ass=filename={filter_path(ass_script)}:fontsdir={filter_path(fonts_dir)}"


def build_burn_in(
    source: Path, ass_script: Path, output: Path, preset: str = "veryfast", fonts_dir: Path = KOREAN_FONTS_DIR
) -> list[str]:
    """The source with the script's cues burnt in: H.264 High, the audio copied when there is any."""
    return [
        "-y", "-i", str(source), "-map", "0:v:0", "-map", "0:a:0?",
        "-vf", burn_in_filter(ass_script, fonts_dir),
        "-c:v", "libx264", "-profile:v", "high", "-preset", preset, "-crf", "18", "-pix_fmt", "yuv420p",
        "-c:a", "copy", "-movflags", "+faststart", str(output),
    ]  # fmt: skip
