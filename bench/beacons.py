"""Beacons a second that one API process absorbs, and their latency, in one run.

    .venv/bin/python -m bench.beacons [--seconds 10] [--concurrency 64] [--database-url URL]

One API process (the CLI's, on SQLite unless --database-url) and one asyncio client on loopback.
The client plays many viewers: each connection comes from its own 127.0.0.x address, and each
viewer session sends what the embed sends (view, play, two impressions, a click, progress) until
the run ends. Every beacon must answer 202. Target: >= 2,000 beacons/s with p99 <= 50 ms on SQLite
on the 2-core machine, more on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import count
from pathlib import Path

import httpx

from ingest.assets.models import Asset, AssetState
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.embed_links import embed_url
from shopcast.migrations import upgrade
from shopcast.runtime import build_runtime
from shopcast.settings import Settings
from tests.harness.services import free_port

SKUS = ("MUG-1", "TEA-2")
SESSION_SCRIPT = [("view", None), ("play", None), ("product_impression", "MUG-1"),
                  ("product_impression", "TEA-2"), ("product_click", "MUG-1"),
                  *[("progress", None)] * 5]  # fmt: skip


def seeded_asset(settings: Settings) -> tuple[str, str]:
    """(asset id, embed token) of an asset with a two-product timeline, made in the database."""
    runtime = build_runtime(settings)
    with transaction(runtime.sessions) as session:
        user, _token = create_user(session, "bench", Role.creator)
        products = [
            {"sku": sku, "name": sku, "start_s": i * 3.0, "end_s": i * 3.0 + 3} for i, sku in enumerate(SKUS)
        ]
        asset = Asset(owner_id=user.id, state=AssetState.ready, size_bytes=0, source={}, products=products)
        session.add(asset)
        session.flush()
        asset_id = asset.id
    runtime.engine.dispose()
    return asset_id, embed_url(settings, "asset", asset_id).split("token=")[1]


async def viewer(base: str, address: str, asset_id: str, token: str, until: float, sessions: count[int],
                 latencies: list[float], failures: list[str]) -> None:  # fmt: skip
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=30) as client:
        while time.perf_counter() < until:
            session = f"bench-{next(sessions):08d}"
            for step, (kind, sku) in enumerate(SESSION_SCRIPT):
                body = {"token": token, "type": kind, "session": session, "at_s": step * 1.0, "sku": sku,
                        "asset_id": asset_id}  # fmt: skip
                started = time.perf_counter()
                answer = await client.post("/v1/beacons", json=body)
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 202:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")


async def run(
    base: str, asset_id: str, token: str, seconds: float, concurrency: int
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    failures: list[str] = []
    sessions = count()
    started = time.perf_counter()
    until = started + seconds
    addresses = [f"127.0.{1 + i // 250}.{1 + i % 250}" for i in range(concurrency)]
    await asyncio.gather(
        *[viewer(base, a, asset_id, token, until, sessions, latencies, failures) for a in addresses]
    )
    return latencies, failures, time.perf_counter() - started


def wait_until_up(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shopcast-bench-") as folder:
        env = {**os.environ, "SHOPCAST_DATA_DIR": folder, "SHOPCAST_DEV": "1"}
        if args.database_url:
            env["SHOPCAST_DATABASE_URL"] = args.database_url
        port = free_port()
        env["SHOPCAST_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        settings = Settings(
            data_dir=Path(folder),
            database_url=args.database_url or None,
            public_url=env["SHOPCAST_PUBLIC_URL"],
        )
        upgrade(settings)
        asset_id, token = seeded_asset(settings)
        cli = [sys.executable, "-m", "shopcast.cli.main", "api", "--port", str(port)]
        server = subprocess.Popen(cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{base}/healthz")
            latencies, failures, elapsed = asyncio.run(
                run(base, asset_id, token, args.seconds, args.concurrency)
            )
        finally:
            server.terminate()
            server.wait()
    ordered = sorted(latencies)

    def p(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"database: {database}; {args.concurrency} concurrent viewers from as many addresses, one API process"
    )
    print(
        f"{'beacons':>9} {'per s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'failed':>7}"
    )
    rate = len(latencies) / elapsed
    quantiles = " ".join(f"{p(q):>7.1f}" for q in (0.50, 0.95, 0.99))
    print(f"{len(latencies):>9} {rate:>8.0f} {quantiles} {ordered[-1] * 1000:>7.1f} {len(failures):>7}")
    print(f"target: >= 2000 beacons/s with p99 <= 50 ms (mean {statistics.mean(latencies) * 1000:.1f} ms)")
    if failures:
        print("first failures:", *failures[:5], sep="\n  ")


if __name__ == "__main__":
    main()
