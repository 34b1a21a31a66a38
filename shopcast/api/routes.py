"""What every router declares the same way: the id pattern of path parameters, the error
responses it lists in the OpenAPI document (every error has the body of `shopcast.errors`), and
the limits the document takes from the server's settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path

from shopcast.errors import ErrorBody
from shopcast.settings import Settings

ID_PATTERN = r"^[0-9a-f]{32}$"
Id = Annotated[str, Path(pattern=ID_PATTERN)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
# A schema keyword whose value is a setting: `{"x-shopcast-setting": {"maximum": "max_upload_bytes"}}`
# gets `"maximum": <that setting>` in each app's document, so it states this server's limit.
SETTING_KEYWORDS = "x-shopcast-setting"


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that may answer these error statuses, each with the one error body."""
    return {code: {"description": "error", "model": ErrorBody} for code in codes}


def setting_limits(**keywords: str) -> dict[str, Any]:
    """Schema keywords (e.g. maximum="max_upload_bytes") filled from the settings of the app."""
    return {SETTING_KEYWORDS: keywords}


def fill_setting_limits(node: Any, settings: Settings) -> None:
    """Set every keyword `setting_limits` asked for, anywhere in an OpenAPI document."""
    if isinstance(node, dict):
        for keyword, setting in node.get(SETTING_KEYWORDS, {}).items():
            node[keyword] = getattr(settings, setting)
        for value in node.values():
            fill_setting_limits(value, settings)
    elif isinstance(node, list):
        for value in node:
            fill_setting_limits(value, settings)


def install_setting_limits(app: FastAPI, settings: Settings) -> None:
    """Make the app's /openapi.json carry its own settings' limits (the routes are shared by apps)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # which caches it in app.openapi_schema
        fill_setting_limits(document, settings)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
