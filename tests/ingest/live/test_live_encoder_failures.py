"""Studio encoders when things go wrong: RTMPS while the API process is killed and restarted, and SRT
over a link that loses 2 % of its packets both ways."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ingest import source_key
from tests.harness.encoders import CONTAINERS, encoder_source, packet_counts, publish, publish_url
from tests.harness.live import new_stream, wait_for
from tests.harness.media import FFMPEG, MediaFactory
from tests.harness.netns import lossy_link
from tests.harness.services import free_port, free_udp_port
from tests.harness.stack import Stack, boot


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "rtmps.crt", folder / "rtmps.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert, private


@pytest.fixture
def rtmps_stack(tmp_path: Path) -> Iterator[Stack]:
    cert, key = _self_signed(tmp_path)
    (tmp_path / "ca.pem").write_bytes(cert.read_bytes())  # the encoder trusts this certificate alone
    env = {
        "SHOPCAST_RTMP_PORT": str(free_port()),
        "SHOPCAST_RTMPS_PORT": str(free_port()),
        "SHOPCAST_RTMPS_CERT_FILE": str(cert),
        "SHOPCAST_RTMPS_KEY_FILE": str(key),
    }
    running = boot("rtmps", env, tmp_path / "data", free_port())
    try:
        yield running
    finally:
        running.stop_all()


def test_an_rtmps_show_outlives_a_killed_api_whose_next_start_hands_the_recording_on(
    rtmps_stack: Stack, media: MediaFactory, tmp_path: Path
) -> None:
    stack = rtmps_stack
    source = encoder_source(media.folder, 10)
    with stack.client(stack.user("tls-creator", "creator")) as client:
        stream = new_stream(client, "rtmps show")
        assert stream["rtmps_url"].startswith("rtmps://"), stream
        path = f"/v1/live-streams/{stream['id']}"
        publisher = _publish_until_recording(stack, client, stream, source)
        assert client.get(path).json()["ingest"] == "rtmp"

        stack.stop("api", signal.SIGKILL)  # mid-show, no goodbye to anyone
        stack.start_api(int(stack.base_url.rsplit(":", 1)[1]))
        ended = wait_for(client, path, "asset_id", timeout=60)
        # nginx lets the publisher go once nothing records it (on_update), so the encoder reconnects
        publisher.wait(timeout=40)
        asset = wait_for(client, f"/v1/assets/{ended['asset_id']}", "source", timeout=60)

    assert ended["state"] == "ended"
    assert asset["state"] == "ready", asset
    assert asset["source"]["duration_s"] >= 5, asset["source"]
    recording = tmp_path / "recording.mkv"
    stack.runtime.store.download_to(source_key(str(ended["asset_id"])), recording)
    assert packet_counts(recording)["audio"] > 0


def _publish_until_recording(
    stack: Stack, client: httpx.Client, stream: dict[str, Any], source: Path
) -> subprocess.Popen[bytes]:
    """An encoder publishing over RTMPS until six seconds are recorded. Like OBS it connects again
    once if its first connection is refused; a second refusal fails with what each side said."""
    trusted = ("-ca_file", str(stack.log_dir.parent / "ca.pem"))  # FFmpeg 9 verifies certificates
    path = f"/v1/live-streams/{stream['id']}"
    said: list[str] = []
    for _attempt in range(2):
        publisher = publish(source, publish_url(stream, "rtmps"), "rtmps", loops=3, options=trusted)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and publisher.poll() is None:
            if (client.get(path).json()["health"] or {}).get("seconds_recorded", 0) >= 6:
                return publisher
            time.sleep(0.5)
        publisher.kill()
        _, stderr = publisher.communicate(timeout=10)
        said.append(stderr.decode(errors="replace")[-2000:])
    raise AssertionError(
        f"six seconds recorded over RTMPS: not reached; stream: {client.get(path).json()}\n"
        f"encoder: {said}\nnginx: {stack.log_tail('rtmp')}\napi: {stack.log_tail('api', 80)}"
    )


def test_srt_over_a_link_losing_two_percent_both_ways_records_every_frame(
    media: MediaFactory, tmp_path: Path
) -> None:
    source = encoder_source(media.folder, 10)
    with lossy_link(2.0) as link:
        env = {
            "SHOPCAST_SRT_PORTS": str(free_udp_port()),
            "SHOPCAST_LIVE_LISTEN_HOST": link.host_address,
            "SHOPCAST_LIVE_PUBLIC_HOST": link.host_address,
        }
        stack = boot("lossy", env, tmp_path / "data", free_port())
        try:
            ended, health = _publish_through(stack, link.run_inside, source)
            recording = tmp_path / "recording.mkv"
            stack.runtime.store.download_to(source_key(str(ended["asset_id"])), recording)
        finally:
            stack.stop_all()
    assert health["packets_lost"] > 0, f"the link lost nothing: {health}"
    # every frame of the show; the encoder's own last tenths of a second are its to drop on close
    assert packet_counts(recording, 9.5) == packet_counts(source, 9.5)


def _publish_through(stack: Stack, inside: Any, source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Publish `source` over SRT from the namespace; the ended stream and its last health."""
    with stack.client(stack.user("lossy-creator", "creator")) as client:
        stream = new_stream(client, "lossy show")
        argv = [FFMPEG, "-hide_banner", "-loglevel", "error", "-re", "-i", str(source), "-c", "copy"]
        publisher = subprocess.Popen([*inside([*argv, "-f", CONTAINERS["srt"], stream["srt_url"]])])
        path = f"/v1/live-streams/{stream['id']}"
        started = time.monotonic()
        health: dict[str, Any] = {}
        while publisher.poll() is None and time.monotonic() - started < 60:
            health = client.get(path).json()["health"] or health
            time.sleep(1)  # pacing the reads of health while the show runs, not a wait for a state
        assert publisher.wait(timeout=5) == 0
        return wait_for(client, path, "asset_id", timeout=60), health
