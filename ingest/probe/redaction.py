"""Rejection messages reach the uploader (the asset's and the job's `error`, `asset.rejected`
webhooks), so they must not say where the server keeps files: FFmpeg and PyAV name the file they
failed on, and a crashed prober's last line may name any path. Paths become neutral words."""

from __future__ import annotations

import re
from pathlib import Path

SOURCE_WORD = "the source"
OTHER_PATH_WORD = "a file on the server"

# An absolute path, optionally quoted, not inside a URL or a word ("30000/1001", "N/A" stay).
_ABSOLUTE_PATH = re.compile(r"""(?<![\w.:/~-])(['"]?)/[\w.-](?:[^\s'"]*[^\s'".,;:)\]])?\1""")
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")


def without_paths(message: str, source: Path) -> str:
    """`message` with `source` (in any spelling the prober may have seen) and every other
    absolute path replaced by neutral words."""
    for spelling in sorted(
        {str(source), str(source.absolute()), str(source.resolve())}, key=len, reverse=True
    ):
        for quote in ("'", '"', ""):
            message = message.replace(f"{quote}{spelling}{quote}", SOURCE_WORD)
    return _ABSOLUTE_PATH.sub(OTHER_PATH_WORD, message)


def ffmpeg_reason(error: Exception, source: Path) -> str:
    """What an FFmpeg error says about the file, without its errno number or the file's path."""
    return without_paths(_ERRNO.sub("", str(error)), source)
