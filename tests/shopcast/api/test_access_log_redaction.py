"""Capability tokens and credentials stay out of the logs: the real access log of an
API process shows `token=[redacted]`, and a line naming an Authorization header loses its secret."""

from __future__ import annotations

import subprocess
import sys

import httpx

from shopcast.ids import new_id
from tests.harness.polling import poll
from tests.harness.stack import Stack

_CAPABILITY = "capability-c2VjcmV0LXRva2Vu"


def test_query_tokens_are_redacted_from_the_access_log(edge_stack: Stack) -> None:
    marker = new_id()
    paths = [
        f"/v1/partner/feed.xml?channel={marker}&token={_CAPABILITY}",
        f"/v1/assets/{marker}/playback/master.m3u8?token={_CAPABILITY}&x=1",
        f"/v1/calendar-feeds/{marker}.ics?lang=ko&TOKEN={_CAPABILITY}",
    ]
    with httpx.Client(base_url=edge_stack.base_url, timeout=30) as client:
        for path in paths:
            client.get(path, headers={"Authorization": f"Bearer {_CAPABILITY}"})

    def marked_lines() -> list[str]:
        return [line for line in edge_stack.log_tail("api", 400).splitlines() if marker in line]

    lines = poll(marked_lines, lambda found: len(found) >= len(paths), timeout_s=10, what="access lines")
    assert all("token=[redacted]" in line.lower() for line in lines), lines
    assert "x=1" in "\n".join(lines)  # the rest of the query stays readable
    assert _CAPABILITY not in (edge_stack.log_dir / "api.log").read_text(errors="replace")


_LOG_A_HEADER = """
import logging, logging.config
from shopcast.settings import Settings
from shopcast.telemetry.logs import logging_config
logging.config.dictConfig(logging_config(Settings(log_format="{fmt}")))
logging.getLogger("shopcast.test").warning("upstream said %s", {{"Authorization": "Bearer {secret}"}})
access = ("127.0.0.1:1", "GET", "/f?token={secret}", "1.1", 200)
logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', *access)
"""


def test_authorization_values_are_redacted_in_either_log_format() -> None:
    for fmt in ("text", "json"):
        script = _LOG_A_HEADER.format(fmt=fmt, secret=_CAPABILITY)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        assert "upstream said" in done.stderr
        assert "Bearer [redacted]" in done.stderr, done.stderr
        assert "/f?token=[redacted]" in done.stderr, done.stderr
        assert _CAPABILITY not in done.stderr
