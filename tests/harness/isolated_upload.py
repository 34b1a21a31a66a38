"""Boot an embedded stack, upload one file, print the final asset as JSON.

Meant to run inside a network namespace that has only loopback (`unshare -n`), so a file that
names an outside address cannot cause a single packet to leave, whatever the code under test does.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from tests.harness.services import free_port
from tests.harness.stack import boot
from tests.harness.tus import upload, wait_for_state


def main(path: Path) -> None:
    with tempfile.TemporaryDirectory() as data:
        stack = boot("isolated", {}, Path(data), free_port())
        try:
            with stack.client(stack.user("isolated", "creator")) as client:
                asset_id = upload(client, path)
                print(
                    json.dumps(wait_for_state(client, asset_id, {"ready", "rejected", "failed"}, timeout=30))
                )
        finally:
            stack.stop_all()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
