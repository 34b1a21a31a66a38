"""The `shopcast publish` command's client: find the channel by name, publish the clip over the API,
and follow the publication with a progress bar until it is delivered or fails."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["PublishFailed", "channel_id_by_name", "publish_and_follow"]

_POLL_S = 0.5


class PublishFailed(RuntimeError):
    """The API refused the publication, or it ended `failed`; the message says why."""


def channel_id_by_name(client: httpx.Client, name: str) -> str:
    """The id of the channel called `name`; raises PublishFailed when no visible channel has it."""
    cursor: str | None = None
    while True:
        answer = client.get("/v1/channels", params={"limit": 200, **({"cursor": cursor} if cursor else {})})
        _check(answer)
        page = answer.json()
        for channel in page["items"]:
            if channel["name"] == name:
                return str(channel["id"])
        cursor = page.get("next_cursor")
        if not cursor:
            raise PublishFailed(f"no channel named {name!r}")


def publish_and_follow(
    client: httpx.Client,
    clip_id: str,
    channel_id: str,
    on_progress: Callable[[str, float], None],
    timeout_s: float = 3600,
) -> dict[str, Any]:
    """Publish and wait; returns the delivered publication. Raises PublishFailed (with violations)."""
    answer = client.post("/v1/publications", json={"clip_id": clip_id, "channel_id": channel_id})
    _check(answer)
    publication: dict[str, Any] = answer.json()
    deadline = time.monotonic() + timeout_s
    while publication["state"] not in ("delivered", "failed"):
        if time.monotonic() > deadline:
            raise PublishFailed(f"still {publication['state']} after {timeout_s:g} s")
        on_progress(publication["state"], float(publication.get("progress") or 0.0))
        time.sleep(_POLL_S)
        answer = client.get(f"/v1/publications/{publication['id']}")
        _check(answer)
        publication = answer.json()
    on_progress(publication["state"], 1.0)
    if publication["state"] == "failed":
        found = "; ".join(f"{v['code']}: {v['message']}" for v in publication.get("violations", []))
        error = publication.get("error") or {}
        raise PublishFailed(found or f"{error.get('code')}: {error.get('message')}")
    return publication


def _check(answer: httpx.Response) -> None:
    if answer.status_code >= 400:
        try:
            error = answer.json()["error"]
            message = f"{error['code']}: {error['message']}"
        except (ValueError, KeyError, TypeError):
            message = answer.text[:300]
        raise PublishFailed(f"HTTP {answer.status_code}: {message}")
