"""`shopcast publish CLIP_ID --channel NAME`: follows the publication with a progress bar, prints the
receipt when it is delivered, and exits 1 naming the violations when the clip cannot meet the profile."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.harness.stack import Stack
from tests.publisher.studio import Studio, create_channel


def _publish(stack: Stack, token: str, clip_id: str, channel: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopcast.cli.main", "publish", clip_id, "--channel", channel,
         "--server", stack.base_url, "--token", token],
        capture_output=True, text=True, timeout=600, env=stack.env,
    )  # fmt: skip


def test_the_cli_publishes_a_clip_and_prints_the_receipt(stack: Stack, studio: Studio) -> None:
    small = {"extends": "overseas", "name": "cli-720p", "picture": {"width": 1280, "height": 720}}
    with stack.client(studio.admin) as admin:
        create_channel(admin, f"cli-{stack.name}", small, {"type": "pull"}, [])
    done = _publish(stack, studio.creator, studio.short_clip_id, f"cli-{stack.name}")
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout[done.stdout.index("{") :])
    assert receipt["key"].endswith(f"/{studio.short_clip_id}.mp4")
    assert len(receipt["sha256"]) == 64
    assert receipt["size"] > 0


def test_the_cli_exits_1_naming_the_violation(stack: Stack, studio: Studio) -> None:
    strict = {"extends": "vcommerce", "name": "cli-long", "min_duration_s": 10}
    with stack.client(studio.admin) as admin:
        create_channel(admin, f"cli-long-{stack.name}", strict, {"type": "pull"}, [])
    done = _publish(stack, studio.creator, studio.short_clip_id, f"cli-long-{stack.name}")
    assert done.returncode == 1
    assert "duration_below_minimum" in done.stderr
    missing = _publish(stack, studio.creator, studio.short_clip_id, "no-such-channel")
    assert missing.returncode == 1
    assert "no channel named 'no-such-channel'" in missing.stderr
