"""Run the prober in a child process with a time limit, and read back its verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from ingest.probe.inspect import Limits
from ingest.probe.redaction import without_paths
from ingest.probe.rejections import InputRejected
from shopcast.media.source_info import SourceInfo
from shopcast.settings import Settings


def limits_from_settings(settings: Settings) -> Limits:
    return Limits(
        max_duration_s=settings.max_duration_s,
        max_long_side=settings.max_long_side,
        max_short_side=settings.max_short_side,
        max_fps=settings.max_fps,
        max_streams=settings.max_streams,
        memory_bytes=settings.probe_memory_bytes,
    )


def run_probe(path: Path, settings: Settings) -> SourceInfo:
    """The `source` description of the file; raises InputRejected when it is not acceptable, with
    a message that names no server path (it reaches the uploader)."""
    try:
        return _probe_in_child(path, settings)
    except InputRejected as rejected:
        raise InputRejected(rejected.code, without_paths(rejected.message, path)) from rejected


def _probe_in_child(path: Path, settings: Settings) -> SourceInfo:
    command = [
        sys.executable,
        "-m",
        "ingest.probe.inspect",
        str(path),
        json.dumps(asdict(limits_from_settings(settings))),
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=settings.probe_timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise InputRejected(
            "corrupt",
            f"probing did not finish within {settings.probe_timeout_s:g} s; the file is damaged or hostile",
        ) from exc
    lines = done.stdout.decode(errors="replace").strip().splitlines()
    if done.returncode != 0 or not lines:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise InputRejected("corrupt", f"the prober crashed on this file ({detail[0][:300]})")
    verdict = json.loads(lines[-1])
    if not verdict["ok"]:
        raise InputRejected(verdict["code"], verdict["message"])
    return SourceInfo.from_json(verdict["source"])
