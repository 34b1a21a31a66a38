"""Switch prometheus_client to multiprocess mode for a worker and its forked pool processes.

Kept apart from the metric definitions because it must run before prometheus_client is imported:
the library chooses how to store values once, at import.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

__all__ = ["prepare_multiprocess"]


def prepare_multiprocess(folder: Path) -> None:
    """Point prometheus_client at an empty folder for this worker's samples; raises RuntimeError when
    the library was imported already (its values would stay per process and never be exported)."""
    if "prometheus_client" in sys.modules and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        raise RuntimeError("prometheus_client was imported before multiprocess mode was set up")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
