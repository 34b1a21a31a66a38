"""tus 1.0.0 at /v1/uploads: core, creation, creation-with-upload, termination, checksum, expiration."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.utils import format_datetime
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Request, Response
from sqlalchemy.orm import Session
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
from shopcast.api.routes import Id, error_responses, setting_limits
from shopcast.auth.dependencies import CallerOwnTransaction, CurrentUser
from shopcast.auth.service import Principal
from shopcast.db import transaction
from shopcast.errors import ShopcastError
from shopcast.runtime import Runtime

router = APIRouter(prefix="/v1/uploads", tags=["uploads"])
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
_BASE64 = "(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
_METADATA_KEY = "[!-+\\--~]+"  # printable ASCII but space and comma
_METADATA_PAIR = f"{_METADATA_KEY}(?: {_BASE64})?"

# The tus headers the routes check themselves, with tus's own answers (412 for the version, 400
# bad_checksum, 422 for metadata), are left out of FastAPI's validation and described here.
_TUS_RESUMABLE_DOC = {
    "name": "Tus-Resumable",
    "in": "header",
    "required": True,
    "description": "the tus version; anything else (or none) is 412 tus_version_unsupported",
    "schema": {"type": "string", "enum": [TUS_VERSION]},
}
_CHECKSUM_DOC = {
    "name": "Upload-Checksum",
    "in": "header",
    "required": False,
    "description": "algorithm and base64 digest of the body: 400 bad_checksum if malformed, 460 if unequal",
    "schema": {"type": "string", "pattern": f"^({'|'.join(CHECKSUM_ALGORITHMS)}) {_BASE64}$"},
}
_METADATA_DOC = {
    "name": "Upload-Metadata",
    "in": "header",
    "required": False,
    "description": "comma-separated `key base64(UTF-8 value)` pairs; filename, title and filetype are kept",
    "schema": {"type": "string", "pattern": f"^{_METADATA_PAIR}(?:,{_METADATA_PAIR})*$"},
}


TusResumable = Annotated[str | None, Header(alias="Tus-Resumable", include_in_schema=False)]
UploadChecksum = Annotated[str | None, Header(alias="Upload-Checksum", include_in_schema=False)]


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


Uploader = CallerOwnTransaction  # a PATCH may stream or wait for long


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
    responses=error_responses(400, 401, 403, 409, 412, 413, 415, 422, 423, 460),
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        "parameters": [_TUS_RESUMABLE_DOC, _METADATA_DOC, _CHECKSUM_DOC],
    },
)
async def create(
    request: Request,
    user: Uploader,
    upload_length: Annotated[
        int,
        Header(
            alias="Upload-Length",
            ge=0,
            description="bytes in all; above the server's Tus-Max-Size 413 too_large",
            # Documentation only: the service's own check answers 413 rather than 422.
            json_schema_extra=setting_limits(maximum="max_upload_bytes"),
        ),
    ],
    tus_resumable: TusResumable = None,
    upload_metadata: Annotated[str | None, Header(alias="Upload-Metadata", include_in_schema=False)] = None,
    upload_checksum: UploadChecksum = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> Response:
    _check_version(tus_resumable)
    runtime = _runtime(request)
    identity = RequestIdentity.of(
        "POST", request.url.path, str(upload_length), upload_metadata, upload_checksum
    )
    once = _CreationKey(user, idempotency_key, identity) if idempotency_key else None
    if once and (replayed := await anyio.to_thread.run_sync(once.replayed, runtime)):
        return replayed
    metadata = parse_metadata(upload_metadata)
    checksum = parse_checksum(upload_checksum)
    has_body = request.headers.get("content-type", "").startswith(OFFSET_CONTENT_TYPE)
    within = once.remember if once else None
    create = partial(uploads_service.create_upload, body_follows=has_body, within=within)
    status = await anyio.to_thread.run_sync(create, runtime, user, upload_length, metadata)
    if has_body:
        status = await uploads_service.append(
            runtime, user, status.asset_id, 0, _RequestBody(request), checksum
        )
        request.app.state.metrics.upload_bytes.inc(status.offset)
    return Response(status_code=201, headers={**_tus_headers(status), "Location": _location(status.asset_id)})


def _location(upload_id: str) -> str:
    return f"/v1/uploads/{upload_id}"


@dataclass(frozen=True)
class _CreationKey:
    """A creation's Idempotency-Key. It is stored in the transaction that creates the asset: of
    concurrent creations with one key, the losers' inserts of it fail, and their assets roll back
    with them (409; their retries replay the winner)."""

    user: Principal
    key: str
    identity: RequestIdentity

    def remember(self, session: Session, status: UploadStatus) -> None:
        answer = StoredResponse(201, {"Location": _location(status.asset_id)}, json.dumps(None))
        remember(session, self.user.id, self.key, self.identity, answer)

    def replayed(self, runtime: Runtime) -> Response | None:
        """The answer to a repeat: the first creation's Location, with the upload's offset now
        (bytes may have arrived since, with the creation's body or by PATCHes)."""
        with transaction(runtime.sessions) as session:
            stored = replay(session, self.user.id, self.key, self.identity)
        if stored is None:
            return None
        location = stored.headers.get("Location")
        if location is None:
            return Response(status_code=stored.status_code, headers=stored.headers)
        status = uploads_service.status(runtime, self.user, location.rsplit("/", 1)[-1])
        return Response(
            status_code=stored.status_code, headers={**_tus_headers(status), "Location": location}
        )


UploadId = Id


@router.head(
    "/{upload_id}",
    response_class=Response,
    summary="Offset of an upload",
    responses=error_responses(401, 404, 410, 412, 422),
    openapi_extra={"parameters": [_TUS_RESUMABLE_DOC]},
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
        },
        "parameters": [_TUS_RESUMABLE_DOC, _CHECKSUM_DOC],
    },
)
async def patch(
    request: Request,
    user: Uploader,
    upload_id: UploadId,
    upload_offset: Annotated[
        int,
        Header(
            alias="Upload-Offset",
            ge=0,
            description="the upload's offset now (HEAD), else 409 offset_mismatch",
        ),
    ],
    tus_resumable: TusResumable = None,
    upload_checksum: UploadChecksum = None,
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
    openapi_extra={"parameters": [_TUS_RESUMABLE_DOC]},
)
async def terminate(
    request: Request, user: Uploader, upload_id: UploadId, tus_resumable: TusResumable = None
) -> Response:
    _check_version(tus_resumable)
    await uploads_service.terminate(_runtime(request), user, upload_id)
    return Response(status_code=204, headers={"Tus-Resumable": TUS_VERSION})
