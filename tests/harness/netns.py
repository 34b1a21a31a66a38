"""A second host for network tests: a network namespace this test creates, joined to the machine by a
veth pair on a private /30 of its own, losing a share of the UDP packets it sends and receives.
Traffic to it never leaves the machine; it is gone when the context ends.

The loss is nftables' random drop in the namespace (`numgen random`): this machine's kernel has no
netem qdisc (`tc qdisc add ... netem` answers "Specified qdisc kind is unknown")."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class LossyLink:
    namespace: str
    host_address: str  # this side, where servers under test listen
    peer_address: str  # the namespace's side, where publishers run

    def run_inside(self, argv: list[str]) -> list[str]:
        """`argv` as run inside the namespace."""
        return ["ip", "netns", "exec", self.namespace, *argv]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@contextmanager
def lossy_link(loss_percent: float) -> Iterator[LossyLink]:
    """Skips the test, saying why, where namespaces cannot be made (not root, no iproute2)."""
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("nft") is None:
        pytest.skip("a lossy namespace needs root, iproute2 and nftables (apt-get install nftables)")
    tag = secrets.token_hex(3)
    namespace, outside, inside = f"sc-{tag}", f"scv{tag}a", f"scv{tag}b"
    subnet = int(tag[:2], 16)  # 10.213.N.0/30, N from the tag: two runs at once rarely meet
    host, peer = f"10.213.{subnet}.1", f"10.213.{subnet}.2"
    _ip("netns", "add", namespace)
    try:
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("addr", "add", f"{host}/30", "dev", outside)
        _ip("link", "set", outside, "up")
        _ip("netns", "exec", namespace, "ip", "addr", "add", f"{peer}/30", "dev", inside)
        _ip("netns", "exec", namespace, "ip", "link", "set", inside, "up")
        _ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up")
        _drop_udp(namespace, loss_percent)
        yield LossyLink(namespace, host, peer)
    finally:
        subprocess.run(["ip", "link", "del", outside], capture_output=True, timeout=30, check=False)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=30, check=False)


def _drop_udp(namespace: str, percent: float) -> None:
    """Drop `percent` of the namespace's UDP packets at random, in both directions."""
    per_mille = round(percent * 10)
    commands = ["add table inet loss"]
    for chain, hook in (("sent", "output"), ("received", "input")):
        commands += [
            f"add chain inet loss {chain} {{ type filter hook {hook} priority 0; }}",
            f"add rule inet loss {chain} meta l4proto udp numgen random mod 1000 < {per_mille} drop",
        ]
    for command in commands:
        subprocess.run(
            ["ip", "netns", "exec", namespace, "nft", command], check=True, capture_output=True, timeout=30
        )
