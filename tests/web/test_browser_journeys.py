"""The browser journeys (`tests/web/journeys/journey_*.py`) run as their own pytest inside a network
namespace that has only loopback, with the stack and Chromium both in it: WebRTC gathers candidates
on every interface it finds, and here the only one is `lo`, so no packet can reach the machine's own
address or beyond, whatever Chromium or the server's ICE try."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = ROOT / "tests" / "web" / "journeys"
REPORT = ROOT / "test-artifacts" / "web" / "journeys.xml"
EXPECTED = 7  # journeys in JOURNEYS; a run that collected fewer proved less than it claims


def test_browser_journeys_pass_in_chromium_inside_a_loopback_only_namespace() -> None:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.unlink(missing_ok=True)
    inner = (
        f"{sys.executable} -m pytest {JOURNEYS} -o python_files=journey_*.py -p no:cacheprovider"
        f" -q --junitxml={REPORT}"
    )
    done = subprocess.run(
        ["unshare", "-n", "--", "sh", "-c", f"ip link set lo up && exec {inner}"],
        cwd=ROOT, capture_output=True, timeout=1200, check=False,
    )  # fmt: skip
    output = done.stdout.decode(errors="replace")[-12000:] + done.stderr.decode(errors="replace")[-3000:]
    assert done.returncode == 0, output
    # the report is the one our own inner pytest just wrote, not outside input
    suite = ElementTree.parse(REPORT).getroot().find("testsuite")  # noqa: S314
    assert suite is not None, output
    counts = {name: int(suite.get(name, "0")) for name in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": EXPECTED, "failures": 0, "errors": 0, "skipped": 0}, output
