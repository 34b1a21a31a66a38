"""A loudness job measures BS.1770 loudness and stores it on the source, without touching the audio."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.harness.media import MediaFactory
from tests.harness.polling import poll
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_job


def _measured(client: httpx.Client, asset_id: str, timeout: float = 60) -> dict[str, Any]:
    return wait_for_job(
        client, asset_id, "loudness", timeout_s=timeout, interval_s=0.2, what="no loudness measurement"
    )


def test_reference_tone_measures_minus_20_lufs_and_levels_scale(stack: Stack, media: MediaFactory) -> None:
    """A 1 kHz stereo tone peaking at -20 dBFS is -20 LUFS (BS.1770); half the amplitude is 6 dB less."""
    with stack.client(stack.user(f"loud-{stack.name}", "creator")) as client:
        loud = _measured(client, upload(client, media.tone_video(0.1)))["source"]["loudness"]
        quiet = _measured(client, upload(client, media.tone_video(0.05)))["source"]["loudness"]
    assert loud["integrated_lufs"] == pytest.approx(-20.0, abs=0.3)
    assert loud["true_peak_dbtp"] == pytest.approx(-20.0, abs=0.5)
    assert loud["range_lu"] == pytest.approx(0.0, abs=0.5)
    assert loud["integrated_lufs"] - quiet["integrated_lufs"] == pytest.approx(6.02, abs=0.15)


def test_video_without_audio_gets_no_loudness_job(stack: Stack, media: MediaFactory) -> None:
    with stack.client(stack.user(f"mute-{stack.name}", "creator")) as client:
        asset_id = upload(client, media.vp9_webm_silent())
        asset = poll(
            lambda: client.get(f"/v1/assets/{asset_id}").json(),
            lambda asset: asset["state"] == "ready",
            timeout_s=30,
            interval_s=0.2,
            what="asset ready",
        )
    assert asset["state"] == "ready"
    assert "loudness" not in {job["kind"] for job in asset["jobs"]}
    assert asset["source"]["loudness"] is None
