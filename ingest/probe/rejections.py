"""Why an input is refused. Codes are part of the API contract (docs/architecture.md, Input safety)."""

from __future__ import annotations

from typing import Literal

RejectionCode = Literal["unsupported_format", "no_video", "corrupt", "too_large", "unsafe_input"]
REJECTION_CODES: frozenset[str] = frozenset(
    {"unsupported_format", "no_video", "corrupt", "too_large", "unsafe_input"}
)


class InputRejected(ValueError):
    """The file is not acceptable media; `code` says which way."""

    def __init__(self, code: RejectionCode, message: str):
        super().__init__(message)
        self.code: RejectionCode = code
        self.message = message
