"""tus upload throughput and server memory against a raw HTTP PUT of the same bytes, in one run.

    .venv/bin/python -m bench.upload [--size-mb 1024]

Both servers run as subprocesses on loopback; one client streams the same file to each in 1 MiB
chunks. Targets: tus throughput >= 0.8x raw, tus server RSS growth < 100 MB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import build_runtime
from shopcast.settings import Settings
from tests.harness.memory import RssSampler
from tests.harness.services import free_port
from tests.harness.tus import file_chunks

CHUNK = 1 << 20


def make_file(path: Path, megabytes: int) -> None:
    with path.open("wb") as f:
        block = os.urandom(16 * CHUNK)
        for _ in range(megabytes // 16):
            f.write(block)


def wait_until_up(url: str) -> None:
    for _ in range(300):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


def bench_raw(source: Path, scratch: Path) -> tuple[float, float]:
    port = free_port()
    env = {**os.environ, "RAW_PUT_TARGET": str(scratch / "raw.bin")}
    server = subprocess.Popen([sys.executable, "-m", "bench.raw_put_server", str(port)], env=env)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/")
        rss = RssSampler(server.pid)
        started = time.perf_counter()
        response = httpx.put(f"http://127.0.0.1:{port}/upload", content=file_chunks(source), timeout=600)
        elapsed = time.perf_counter() - started
        assert response.status_code == 204
        return elapsed, rss.stop() / 2**20
    finally:
        server.terminate()
        server.wait()


def bench_tus(source: Path, scratch: Path) -> tuple[float, float]:
    settings = Settings(data_dir=scratch / "shopcast")
    upgrade(settings)
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        _user, token = create_user(session, "bench", Role.creator)
    port = free_port()
    env = {**os.environ, "SHOPCAST_DATA_DIR": str(settings.data_dir), "SHOPCAST_DEV": "1"}
    cli = [sys.executable, "-m", "shopcast.cli.main", "api", "--port", str(port)]
    server = subprocess.Popen(cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    try:
        wait_until_up(f"{base}/healthz")
        rss = RssSampler(server.pid)
        started = time.perf_counter()
        with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
            created = client.post("/v1/uploads", headers={"Upload-Length": str(source.stat().st_size)})
            patched = client.patch(
                created.headers["Location"],
                headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
                content=file_chunks(source),
            )
        elapsed = time.perf_counter() - started
        assert patched.status_code == 204, patched.text
        assert int(patched.headers["Upload-Offset"]) == source.stat().st_size
        return elapsed, rss.stop() / 2**20
    finally:
        server.terminate()
        server.wait()
        runtime.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopcast-bench-") as folder:
        scratch = Path(folder)
        source = scratch / "source.bin"
        make_file(source, args.size_mb)
        megabytes = source.stat().st_size / 2**20
        raw_s, raw_rss = bench_raw(source, scratch)
        (scratch / "raw.bin").unlink()
        tus_s, tus_rss = bench_tus(source, scratch)
    raw_rate, tus_rate = megabytes / raw_s, megabytes / tus_s
    print(f"file: {megabytes:.0f} MiB over loopback, 1 MiB client chunks")
    print(f"raw PUT : {raw_s:6.2f} s  {raw_rate:7.1f} MiB/s  server RSS growth {raw_rss:6.1f} MiB")
    print(f"tus     : {tus_s:6.2f} s  {tus_rate:7.1f} MiB/s  server RSS growth {tus_rss:6.1f} MiB")
    print(f"tus/raw throughput: {tus_rate / raw_rate:.2f}x (target >= 0.80x); RSS growth target < 100 MiB")


if __name__ == "__main__":
    main()
