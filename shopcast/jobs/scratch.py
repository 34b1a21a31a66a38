"""Per-process scratch space, and removal of what killed processes left behind.

A worker killed with SIGKILL never leaves its temporary directories, so each process works under
`scratch/<host>-<pid>/`; the sweeper deletes the folders of this host's processes that are gone
(never a live process's, so workers sharing a data directory leave each other alone).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shopcast.settings import Settings


def process_scratch(settings: Settings) -> Path:
    """This process's scratch folder, created on first use."""
    folder = settings.scratch_dir / f"{socket.gethostname()}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_orphans(settings: Settings) -> list[Path]:
    """Delete scratch folders of this host's processes that no longer exist; returns them."""
    host = socket.gethostname()
    removed: list[Path] = []
    if not settings.scratch_dir.is_dir():
        return removed
    for folder in settings.scratch_dir.iterdir():
        owner = scratch_owner(folder)
        if folder.is_dir() and owner is not None and owner[0] == host and not process_alive(owner[1]):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def scratch_owner(folder: Path) -> tuple[str, int] | None:
    """The host and process id a scratch folder is named after; None for any other name."""
    host, _, pid = folder.name.rpartition("-")
    return (host, int(pid)) if pid.isdigit() else None


def process_alive(pid: int) -> bool:
    """Whether a process of this host still runs. A zombie does not: a worker killed with SIGKILL
    leaves its pool children re-parented and unreaped, and signal 0 still reaches them."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


@contextmanager
def job_scratch(settings: Settings) -> Iterator[Path]:
    """A temporary folder inside this process's scratch space, removed when the block ends."""
    with tempfile.TemporaryDirectory(dir=process_scratch(settings)) as folder:
        yield Path(folder)
