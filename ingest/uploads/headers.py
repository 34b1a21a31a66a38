"""Parsing the tus 1.0.0 request headers: Upload-Metadata and Upload-Checksum."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from shopcast.api.nul_refusal import NUL_MESSAGE
from shopcast.errors import ShopcastError, ValidationFailed

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUM_ALGORITHMS = ("sha1", "sha256")
METADATA_KEYS = ("filename", "title", "filetype")


class ChecksumMismatch(ShopcastError):
    """tus checksum extension: the body did not match Upload-Checksum."""

    status = 460
    default_code = "checksum_mismatch"


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    expected: bytes

    def new(self) -> hashlib._Hash:
        return hashlib.new(self.algorithm)


def parse_metadata(header: str | None) -> dict[str, str]:
    """`key base64value, key2 base64value2` into a dict; unknown keys are dropped."""
    result: dict[str, str] = {}
    for pair in (header or "").split(","):
        if not pair.strip():
            continue
        key, _, value = pair.strip().partition(" ")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValidationFailed(f"Upload-Metadata value for {key!r} is not base64 UTF-8") from exc
        if "\x00" in decoded:
            raise ValidationFailed(f"Upload-Metadata value for {key!r}: {NUL_MESSAGE}")
        if key in METADATA_KEYS:
            result[key] = decoded[:500]
    return result


def parse_checksum(header: str | None) -> Checksum | None:
    if not header:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() not in CHECKSUM_ALGORITHMS:
        raise ShopcastError(
            f"checksum algorithm {algorithm!r} is not supported; use sha1 or sha256", "bad_checksum"
        )
    try:
        expected = base64.b64decode(value.strip(), validate=True)
    except binascii.Error as exc:
        raise ShopcastError("Upload-Checksum value is not base64", "bad_checksum") from exc
    return Checksum(algorithm.lower(), expected)
