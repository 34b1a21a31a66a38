"""tus 1.0.0 at /v1/uploads: core, creation, creation-with-upload, termination, checksum, expiration."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from email.utils import format_datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from starlette.requests import ClientDisconnect

from ingest.uploads import service as uploads_service
from ingest.uploads.headers import (
    CHECKSUM_ALGORITHMS,
    TUS_EXTENSIONS,
    TUS_VERSION,
    parse_checksum,
    parse_metadata,
)
from ingest.uploads.service import UploadStatus
from shopcast.api.idempotency import RequestIdentity, StoredResponse, remember, replay
from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CurrentUser
from shopcast.db import transaction
from shopcast.errors import ShopcastError
from shopcast.runtime import Runtime

router = APIRouter(prefix="/v1/uploads", tags=["uploads"])
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


class TusVersionUnsupported(ShopcastError):
    status = 412
    default_code = "tus_version_unsupported"


class UnsupportedMediaType(ShopcastError):
    status = 415
    default_code = "unsupported_media_type"


def _check_version(tus_resumable: str | None) -> None:
    if tus_resumable != TUS_VERSION:
        raise TusVersionUnsupported(
            f"send Tus-Resumable: {TUS_VERSION}",
            headers={"Tus-Version": TUS_VERSION, "Tus-Resumable": TUS_VERSION},
        )


def _tus_headers(status: UploadStatus, *, length: bool = False) -> dict[str, str]:
    headers = {"Tus-Resumable": TUS_VERSION, "Upload-Offset": str(status.offset), "Cache-Control": "no-store"}
    if length:
        headers["Upload-Length"] = str(status.length)
    if status.expires_at is not None:
        headers["Upload-Expires"] = format_datetime(status.expires_at, usegmt=True)
    return headers


class _RequestBody:
    """A request's body as a BodyStream: a client that disconnects ends it and marks it interrupted."""

    def __init__(self, request: Request):
        self._request = request
        self.interrupted = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._request.stream():
                if chunk:
                    yield chunk
        except ClientDisconnect:
            self.interrupted = True


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.options("", status_code=204, response_class=Response, summary="tus capabilities")
def capabilities(request: Request) -> Response:
    settings = _runtime(request).settings
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


@router.post(
    "",
    status_code=201,
    response_class=Response,
    summary="Create an upload (and its asset)",
    responses=error_responses(400, 401, 409, 412, 413, 415, 422, 423, 460),
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def create(
    request: Request,
    user: CurrentUser,
    upload_length: Annotated[int, Header(alias="Upload-Length", ge=0)],
    tus_resumable: Annotated[str | None, Header(alias="Tus-Resumable")] = None,
    upload_metadata: Annotated[str | None, Header(alias="Upload-Metadata")] = None,
    upload_checksum: Annotated[str | None, Header(alias="Upload-Checksum")] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> Response:
    _check_version(tus_resumable)
    runtime = _runtime(request)
    identity = RequestIdentity.of(
        "POST", request.url.path, str(upload_length), upload_metadata, upload_checksum
    )
    if idempotency_key:
        with transaction(runtime.sessions) as session:
            stored = replay(session, user.id, idempotency_key, identity)
        if stored is not None:
            return Response(status_code=stored.status_code, headers=stored.headers)
    metadata = parse_metadata(upload_metadata)
    checksum = parse_checksum(upload_checksum)
    has_body = request.headers.get("content-type", "").startswith(OFFSET_CONTENT_TYPE)
    status = uploads_service.create_upload(runtime, user, upload_length, metadata)
    if has_body:
        status = await uploads_service.append(
            runtime, user, status.asset_id, 0, _RequestBody(request), checksum
        )
        request.app.state.metrics.upload_bytes.inc(status.offset)
    headers = {**_tus_headers(status), "Location": f"/v1/uploads/{status.asset_id}"}
    if idempotency_key:
        with transaction(runtime.sessions) as session:
            remember(
                session,
                user.id,
                idempotency_key,
                identity,
                StoredResponse(201, headers, json.dumps(None)),
            )
    return Response(status_code=201, headers=headers)


UploadId = Id
TusResumable = Annotated[str | None, Header(alias="Tus-Resumable")]


@router.head(
    "/{upload_id}",
    response_class=Response,
    summary="Offset of an upload",
    responses=error_responses(401, 404, 410, 412, 422),
)
def head(
    request: Request, user: CurrentUser, upload_id: UploadId, tus_resumable: TusResumable = None
) -> Response:
    _check_version(tus_resumable)
    status = uploads_service.status(_runtime(request), user, upload_id)
    return Response(status_code=200, headers=_tus_headers(status, length=True))


@router.patch(
    "/{upload_id}",
    status_code=204,
    response_class=Response,
    summary="Append bytes at Upload-Offset",
    responses=error_responses(400, 401, 404, 409, 410, 412, 413, 415, 422, 423, 460),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def patch(
    request: Request,
    user: CurrentUser,
    upload_id: UploadId,
    upload_offset: Annotated[int, Header(alias="Upload-Offset", ge=0)],
    tus_resumable: TusResumable = None,
    upload_checksum: Annotated[str | None, Header(alias="Upload-Checksum")] = None,
) -> Response:
    _check_version(tus_resumable)
    if not request.headers.get("content-type", "").startswith(OFFSET_CONTENT_TYPE):
        raise UnsupportedMediaType(f"PATCH bodies must be {OFFSET_CONTENT_TYPE}")
    checksum = parse_checksum(upload_checksum)
    runtime = _runtime(request)
    status = await uploads_service.append(
        runtime, user, upload_id, upload_offset, _RequestBody(request), checksum
    )
    request.app.state.metrics.upload_bytes.inc(status.offset - upload_offset)
    return Response(status_code=204, headers=_tus_headers(status))


@router.delete(
    "/{upload_id}",
    status_code=204,
    response_class=Response,
    summary="Terminate an upload and drop its asset",
    responses=error_responses(401, 404, 410, 412, 422, 423),
)
def terminate(
    request: Request, user: CurrentUser, upload_id: UploadId, tus_resumable: TusResumable = None
) -> Response:
    _check_version(tus_resumable)
    uploads_service.terminate(_runtime(request), user, upload_id)
    return Response(status_code=204, headers={"Tus-Resumable": TUS_VERSION})
