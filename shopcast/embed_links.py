"""Links to the shoppable embed player (`/embed/assets/{id}`, `/embed/clips/{id}`).

Their token is signed for one asset or one clip and for the embed only: it opens no playlist, no
other object, and it expires (`embed_ttl_s`). The embed page and its beacons verify it; the asset and
clip shapes, and the partner API, hand the links out.
"""

from __future__ import annotations

from typing import Literal

from shopcast.settings import Settings
from shopcast.signing import sign, verify

EmbedKind = Literal["asset", "clip"]

__all__ = ["EmbedKind", "embed_subject", "embed_token_valid", "embed_url"]


def embed_subject(kind: EmbedKind, object_id: str) -> str:
    return f"embed:{kind}:{object_id}"


def embed_url(settings: Settings, kind: EmbedKind, object_id: str) -> str:
    token = sign(settings.secret_key, embed_subject(kind, object_id), settings.embed_ttl_s)
    return f"{settings.public_url.rstrip('/')}/embed/{kind}s/{object_id}?token={token}"


def embed_token_valid(settings: Settings, kind: EmbedKind, object_id: str, token: str) -> bool:
    return verify(settings.secret_key, embed_subject(kind, object_id), token)
