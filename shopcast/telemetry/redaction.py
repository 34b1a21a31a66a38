"""Secrets never reach a log line: capability tokens in query strings (playback, partner files,
feeds, calendars: `?token=`) and Authorization credentials are replaced before a record is written.

The access log writes every request's path with its query, so without this a log reader could
replay any player's or partner's link.
"""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "RedactingFilter", "redact"]

REDACTED = "[redacted]"
_QUERY_TOKEN = re.compile(r"(?i)([?&;](?:token|access_token)=)[^&;\s\"'#]*")
_AUTHORIZATION = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic|token)\s+)?[^\s\"',}]+"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def redact(text: str) -> str:
    """`text` with query tokens and Authorization credentials replaced by [redacted]."""
    text = _QUERY_TOKEN.sub(lambda m: m.group(1) + REDACTED, text)
    text = _AUTHORIZATION.sub(_keep_scheme, text)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


def _keep_scheme(match: re.Match[str]) -> str:
    scheme = f"{match.group(2)} " if match.group(2) else ""
    return f"{match.group(1)}{scheme}{REDACTED}"


class RedactingFilter(logging.Filter):
    """On the handler, so it sees every record, uvicorn's access lines included: the record's
    message is formatted once, redacted, and written in place of its format and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed record is logging's own error to report
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
