"""Beacons a second that one API process absorbs, and their latency, in one run.

    .venv/bin/python -m bench.beacons [--seconds 8] [--concurrency 64] [--steps 1x500,5x2000]
                                      [--database-url URL]

One API process (the CLI's, on SQLite unless --database-url) and one asyncio client on loopback
that writes HTTP/1.1 by hand (httpx would cost the shared 2 cores more than the server does).
The client plays many viewers: each connection comes from its own 127.0.0.x address, and each
viewer session sends what the embed sends (view, play, two impressions, a click, progress) until
the run ends. Every beacon must answer 202. Target: >= 2,000 beacons/s with p99 <= 50 ms on SQLite
on the 2-core machine, more on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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
# (beacons per request, beacons a second offered): one at a time, then batched as the embed player
# sends what gathered in a second; each a row of the table
STEPS = "1x500,1x700,5x2000,10x2000,10x3000"
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


class RawClient:
    """HTTP/1.1 over one kept-alive connection, written by hand: httpx spends more CPU per request
    than the server's whole request path, and on a 2-core machine the client's CPU is the server's.
    Knows only what beacons need: a JSON POST and an answer with a Content-Length."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def connect(cls, port: int, address: str) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
        return cls(reader, writer, f"127.0.0.1:{port}")

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return int(status_line.split()[1]), await self.reader.readexactly(length)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@dataclass(frozen=True)
class Load:
    """One row's load: `batch` beacons a request, each viewer sending one request every `every_s`."""

    port: int
    asset_id: str
    token: str
    until: float
    batch: int
    every_s: float


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    sessions: count[int] = field(default_factory=count)


async def viewer(load: Load, address: str, tally: Tally) -> None:
    client = await RawClient.connect(load.port, address)
    due = time.perf_counter() + random.random() * load.every_s
    try:
        while time.perf_counter() < load.until:
            session = f"bench-{next(tally.sessions):08d}"
            script = [
                {"token": load.token, "type": kind, "session": session, "at_s": step * 1.0, "sku": sku,
                 "asset_id": load.asset_id}
                for step, (kind, sku) in enumerate(SESSION_SCRIPT)
            ]  # fmt: skip
            for first in range(0, len(script), load.batch):
                due += load.every_s  # open loop: requests are due on schedule, whatever answers take
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                sent = script[first : first + load.batch]
                body = sent[0] if load.batch == 1 else {"beacons": sent}
                status, answer = await client.post("/v1/beacons", json.dumps(body).encode())
                # from when it was due, so a late answer also delays (and counts against) the next
                tally.latencies.extend([time.perf_counter() - due] * len(sent))
                if status != 202 or b"rate_limited" in answer:
                    tally.failures.append(f"{status} {answer[:200]!r}")
    finally:
        await client.close()


async def run(load: Load, concurrency: int) -> tuple[list[float], list[str], float]:
    """`concurrency` viewers from as many addresses, offering `load` together."""
    tally = Tally()
    started = time.perf_counter()
    addresses = [f"127.0.{1 + i // 250}.{1 + i % 250}" for i in range(concurrency)]
    await asyncio.gather(*[viewer(load, address, tally) for address in addresses])
    return tally.latencies, tally.failures, time.perf_counter() - started


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
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--steps", default=STEPS, help="BATCHxRATE,...: beacons per request and beacons a second offered"
    )
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
        rows = []
        try:
            wait_until_up(f"{base}/healthz")
            for step in args.steps.split(","):
                batch, rate = int(step.split("x")[0]), float(step.split("x")[1])
                every_s = args.concurrency * batch / rate
                load = Load(port, asset_id, token, time.perf_counter() + args.seconds, batch, every_s)
                measured = asyncio.run(run(load, args.concurrency))
                rows.append((batch, rate, *measured))
        finally:
            server.terminate()
            server.wait()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"database: {database}; {args.concurrency} concurrent viewers from as many addresses, one API process"
    )
    columns = ("p50 ms", "p95 ms", "p99 ms", "max ms", "failed")
    print(f"{'batch':>5} {'offered':>8} {'beacons':>9} {'per s':>8} " + " ".join(f"{c:>7}" for c in columns))
    for batch, rate, latencies, failures, elapsed in rows:
        print_row(batch, rate, latencies, failures, elapsed)
    print("target: >= 2000 beacons/s with p99 <= 50 ms (a batch's latency is each of its beacons')")
    for *_step, failures, _elapsed in rows:
        if failures:
            print("first failures:", *failures[:5], sep="\n  ")


def print_row(
    batch: int, offered: float, latencies: list[float], failures: list[str], elapsed: float
) -> None:
    ordered = sorted(latencies)

    def p(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    quantiles = " ".join(f"{p(q):>7.1f}" for q in (0.50, 0.95, 0.99))
    rate = len(latencies) / elapsed
    tail = f"{ordered[-1] * 1000:>7.1f} {len(failures):>7}"
    print(f"{batch:>5} {offered:>8.0f} {len(latencies):>9} {rate:>8.0f} {quantiles} {tail}")


if __name__ == "__main__":
    main()
