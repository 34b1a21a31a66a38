"""The probe's child process, started for every upload, imports only what probing needs: ingest's
public names load on first use, so the routers, FastAPI and aiortc stay out of it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ingest

_CHECK = """
import sys
import ingest.probe.inspect
heavy = sorted(name for name in ("fastapi", "aiortc", "sqlalchemy", "celery") if name in sys.modules)
print(",".join(heavy))
"""


def test_the_probe_child_loads_no_web_or_database_stack() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHECK], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "", f"the probe child imported {done.stdout.strip()}"


def test_every_public_name_of_ingest_loads_from_where_it_is_defined() -> None:
    assert sorted(ingest._SOURCES) == sorted(ingest.__all__)
    for name in ingest.__all__:
        assert getattr(ingest, name) is not None, name
    with pytest.raises(AttributeError, match="not_a_public_name"):
        _ = ingest.not_a_public_name
