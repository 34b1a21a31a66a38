"""What the publisher tests share: a 16:9 1080p30 source with English speech on a dark picture (so
burned-in text is the only bright thing in it), uploaded, transcribed and cut into clips; channels;
polling a publication until it settles; measuring delivered files independently of the publisher."""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from shopcast.media.ffmpeg_runner import ffmpeg_exe
from tests.harness.media import ffmpeg
from tests.harness.polling import poll
from tests.harness.speech import espeak_wav
from tests.harness.stack import Stack
from tests.harness.tus import upload, wait_for_job, wait_for_state

SPOKEN = (
    "Welcome to the show. Today we present a light steel water bottle that keeps your drinks cold all day."
)
SOURCE_S = 9


def speech_source(folder: Path) -> Path:
    """1920x1080 at 30 fps, dark blue with a moving white-free pattern, and SOURCE_S s of speech."""
    path = folder / "speech_1080p30.mp4"
    if not path.exists():
        voice = espeak_wav(SPOKEN, folder / "spoken.wav")
        ffmpeg(
            "-f", "lavfi", "-i", f"color=c=0x102040:size=1920x1080:rate=30:d={SOURCE_S}",
            "-i", str(voice), "-filter_complex", "[1:a]apad,aresample=48000[a]", "-map", "0:v", "-map", "[a]",
            "-t", str(SOURCE_S), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-g", "60", "-c:a", "aac", "-ac", "2", str(path),
        )  # fmt: skip
    return path


@dataclass(frozen=True)
class Studio:
    admin: str
    creator: str
    partner: str
    other_partner: str
    partner_id: str
    other_partner_id: str
    asset_id: str
    clip_id: str  # 8 s
    short_clip_id: str  # 4 s


def user_id(stack: Stack, token: str) -> str:
    from shopcast.auth.service import authenticate

    with stack.runtime.sessions() as session:
        return authenticate(session, token).id


def make_studio(stack: Stack, folder: Path, tag: str) -> Studio:
    admin = stack.user(f"pub-admin-{tag}-{stack.name}", "admin")
    creator = stack.user(f"pub-creator-{tag}-{stack.name}", "creator")
    partner = stack.user(f"pub-partner-{tag}-{stack.name}", "partner")
    other = stack.user(f"pub-other-{tag}-{stack.name}", "partner")
    with stack.client(creator) as client:
        asset_id = upload(client, speech_source(folder))
        wait_for_state(client, asset_id, {"ready"}, timeout=120)
        wait_for_subtitles(client, asset_id)
        clip_id = make_clip(client, asset_id, 0.0, 8.0)
        short_id = make_clip(client, asset_id, 1.0, 5.0)
    return Studio(admin, creator, partner, other, user_id(stack, partner), user_id(stack, other), asset_id,
                  clip_id, short_id)  # fmt: skip


def wait_for_subtitles(client: httpx.Client, asset_id: str, timeout: float = 300) -> None:
    asset = wait_for_job(
        client, asset_id, "subtitles", timeout_s=timeout, interval_s=0.5, what="no subtitles"
    )
    assert any(s["language"] == "en" for s in asset["subtitles"]), asset["subtitles"]


BOTTLE = {"sku": "BTL-500", "name": "Steel bottle 500 ml", "url": "https://shop.example.com/btl-500"}


def make_clip(client: httpx.Client, asset_id: str, in_s: float, out_s: float) -> str:
    """A clip of one range, tagged with the bottle 2 s into the source."""
    body = {
        "asset_id": asset_id,
        "ranges": [{"in_s": in_s, "out_s": out_s}],
        "products": [{**BOTTLE, "at_s": 2.0}],
    }
    answer = client.post("/v1/clips", json=body)
    assert answer.status_code == 201, answer.text
    clip_id = str(answer.json()["id"])
    clip: dict[str, Any] = poll(
        lambda: client.get(f"/v1/clips/{clip_id}").json(),
        lambda clip: clip["state"] in ("ready", "failed"),
        timeout_s=300,
        interval_s=0.5,
        what="clip not rendered",
    )
    assert clip["state"] == "ready", clip["error"]
    return clip_id


def create_channel(
    client: httpx.Client,
    name: str,
    profile: str | dict[str, Any],
    target: dict[str, Any],
    partners: list[str],
) -> dict[str, Any]:
    answer = client.post(
        "/v1/channels", json={"name": name, "profile": profile, "target": target, "partner_ids": partners}
    )
    assert answer.status_code == 201, answer.text
    channel: dict[str, Any] = answer.json()
    return channel


def publish(client: httpx.Client, clip_id: str, channel_id: str) -> dict[str, Any]:
    answer = client.post("/v1/publications", json={"clip_id": clip_id, "channel_id": channel_id})
    assert answer.status_code in (200, 201), answer.text
    publication: dict[str, Any] = answer.json()
    return publication


def wait_settled(client: httpx.Client, publication_id: str, timeout: float = 600) -> dict[str, Any]:
    """The publication once it is delivered or failed."""
    publication: dict[str, Any] = poll(
        lambda: client.get(f"/v1/publications/{publication_id}").json(),
        lambda publication: publication["state"] in ("delivered", "failed"),
        timeout_s=timeout,
        interval_s=0.5,
        what=lambda publication: (
            f"publication still {publication.get('state')} after {timeout} s: {publication}"
        ),
    )
    return publication


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_INTEGRATED = re.compile(r"^\s*I:\s+(-?[0-9.]+) LUFS", re.MULTILINE)


def integrated_lufs(path: Path, mono_tracks: bool = False) -> float:
    """BS.1770 integrated loudness measured by FFmpeg's ebur128 (mono tracks merged back to stereo)."""
    if mono_tracks:
        args = ["-filter_complex", "[0:a:0][0:a:1]amerge=inputs=2,ebur128[out]", "-map", "[out]"]
    else:
        args = ["-map", "0:a:0", "-af", "ebur128"]
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), *args, "-f", "null", "-"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    summary = done.stderr[done.stderr.rfind("Summary:") :]
    match = _INTEGRATED.search(summary)
    assert match, done.stderr[-2000:]
    return float(match.group(1))
