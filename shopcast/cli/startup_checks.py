"""Checks a serving process makes before it starts: a placeholder secret key is refused.

The secret signs every playback, preview, partner and feed link and encrypts channel credentials,
so a deployment that kept a placeholder (the built-in default, or the one in infra/compose.yaml or
infra/k8s/config.yaml) hands anyone who reads this repository the power to forge them. Only the
development mode (`SHOPCAST_DEV=1`, which `make run` and the test stacks set) may run with one.
"""

from __future__ import annotations

from shopcast.settings import Settings

__all__ = ["PlaceholderSecret", "is_placeholder_secret", "refuse_placeholder_secret"]

# The built-in default, and what infra/compose.yaml and infra/k8s/config.yaml fill in.
_KNOWN_PLACEHOLDERS = frozenset(
    {"dev-only-change-me", "change-me-in-dot-env", "change-me-to-a-long-random-value"}
)
_PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me")


class PlaceholderSecret(RuntimeError):
    """The secret key is a placeholder and the process is not in development mode."""


def is_placeholder_secret(secret: str) -> bool:
    """Whether `secret` is a placeholder: a known one, empty, or one that asks to be changed."""
    folded = secret.strip().lower()
    return not folded or folded in _KNOWN_PLACEHOLDERS or any(word in folded for word in _PLACEHOLDER_WORDS)


def refuse_placeholder_secret(settings: Settings, command: str) -> None:
    """Raises PlaceholderSecret with what to do, unless the secret is real or SHOPCAST_DEV is set."""
    if settings.dev or not is_placeholder_secret(settings.secret_key):
        return
    raise PlaceholderSecret(
        f"shopcast {command}: refusing to start: SHOPCAST_SECRET_KEY is a placeholder "
        f"({settings.secret_key[:4]}…), which anyone can read in this repository and use to forge "
        "playback, partner and feed links. Set SHOPCAST_SECRET_KEY to a long random value, the same "
        "on every API and worker (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
        "or set SHOPCAST_DEV=1 on a development machine."
    )
