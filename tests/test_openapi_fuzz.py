"""schemathesis against the app's own /openapi.json: no 5xx, no response that breaks the schema.

Each operation's generated requests run through hypothesis directly (schemathesis' lazy pytest
fixture relies on a pytest internal that pytest 9.2 removed).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.harness.stack import Stack


@schemathesis.serializer("application/offset+octet-stream")
def _octets(_ctx: Any, value: Any) -> bytes:
    """tus bodies are raw bytes; generated binary strings pass through as they are."""
    return value if isinstance(value, bytes) else str(value).encode()


@schemathesis.serializer("application/sdp")
def _sdp(_ctx: Any, value: Any) -> bytes:
    """WHIP offers are SDP text (RFC 8866), sent as UTF-8."""
    return value if isinstance(value, bytes) else str(value).encode()


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def test_api_answers_every_generated_request_within_its_schema(stack: Stack) -> None:
    schema = schemathesis.openapi.from_url(f"{stack.base_url}/openapi.json")
    token = stack.user(f"fuzzer-{stack.name}", "creator")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 8, "every route should be in the schema"

    answered: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exercise(case: Any) -> None:
            headers = {"Authorization": f"Bearer {token}", **(case.headers or {})}
            response = case.call_and_validate(base_url=stack.base_url, headers=headers, checks=CHECKS)
            answered.append(response.status_code)

        exercise()
    assert len(answered) >= 10 * len(operations)
    assert any(200 <= code < 300 for code in answered), "no generated request was accepted"
    assert any(400 <= code < 500 for code in answered), "no generated request was refused"
