"""Errors a job handler raises to say how its job should end."""

from __future__ import annotations


class JobRejected(Exception):
    """The input can never succeed: fail the job now, with this code, without retrying."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
