"""Rejection messages reach the uploader, so they never name where the server keeps files
(a `corrupt` message quoted the probed file's local path)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from ingest.probe.redaction import without_paths
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_state

# An absolute path of two or more parts, as FFmpeg and Python print them.
LOCAL_PATH = re.compile(r"(?<![\w.:/])/[\w.-]+/")


def _looks_like_mp4_but_is_not(folder: Path) -> Path:
    """An MP4 `ftyp` box followed by bytes no demuxer can read: the probe calls it `corrupt`, and
    PyAV's error names the file it failed to open."""
    path = folder / "broken.mp4"
    garbage = bytes((i * 7919 + 13) % 251 for i in range(50_000))
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + garbage)
    return path


def test_corrupt_upload_message_names_no_server_path(stack: Stack, tmp_path: Path) -> None:
    with stack.client(stack.user(f"leak-{stack.name}", "creator")) as client:
        asset_id = upload(client, _looks_like_mp4_but_is_not(tmp_path))
        asset = wait_for_state(client, asset_id, {"ready", "rejected", "failed"}, timeout=30)
    assert asset["state"] == "rejected"
    assert asset["error"]["code"] == "corrupt"
    messages = [
        asset["error"]["message"],
        *(job["error"]["message"] for job in asset["jobs"] if job["error"]),
    ]
    assert len(messages) == 2, asset
    for message in messages:
        assert "cannot be read" in message, message
        assert str(stack.settings.data_dir.resolve()) not in message
        assert tempfile.gettempdir() + "/" not in message
        assert not LOCAL_PATH.search(message), message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "cannot be read: Invalid data found when processing input: '/srv/data/assets/a1/source'",
            "cannot be read: Invalid data found when processing input: the source",
        ),
        ("opened /srv/data/assets/a1/source, then gave up", "opened the source, then gave up"),
        ('crashed (File "/opt/venv/lib/av/open.py", line 3)', "crashed (File a file on the server, line 3)"),
        (
            "30000/1001 fps, N/A, and/or http://example.test/x",
            "30000/1001 fps, N/A, and/or http://example.test/x",
        ),
    ],
)
def test_paths_become_neutral_words(message: str, expected: str) -> None:
    assert without_paths(message, Path("/srv/data/assets/a1/source")) == expected
