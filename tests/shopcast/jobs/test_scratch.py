"""Scratch space left by a process that is gone is removed; a live process's is kept."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from shopcast.jobs.scratch import job_scratch, process_scratch, remove_orphans
from shopcast.settings import Settings


def test_orphaned_scratch_is_removed_and_live_scratch_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    orphan = settings.scratch_dir / f"{socket.gethostname()}-{int(dead.stdout)}"
    (orphan / "job").mkdir(parents=True)
    (orphan / "job" / "source").write_bytes(b"left behind by a killed worker")
    other_host = settings.scratch_dir / "another-machine-1"
    other_host.mkdir()
    mine = process_scratch(settings)
    with job_scratch(settings) as folder:
        (folder / "work").write_bytes(b"in use")
        assert remove_orphans(settings) == [orphan]
        assert (folder / "work").exists()
    assert not orphan.exists()
    assert other_host.exists(), "another machine's folders are not ours to judge"
    assert mine.exists()
    assert mine.name.endswith(f"-{os.getpid()}")
