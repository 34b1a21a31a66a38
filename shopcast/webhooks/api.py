"""`/v1/webhook-endpoints`: register, change, rotate, delete endpoints; inspect and replay deliveries."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopcast.api.idempotency import RequestIdentity, StoredResponse, remember, replay
from shopcast.api.pagination import Page, PageParams, next_cursor, page_params
from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.auth.models import Role
from shopcast.auth.service import Principal
from shopcast.errors import Forbidden
from shopcast.runtime import Runtime
from shopcast.webhooks import service
from shopcast.webhooks.models import MessageState, WebhookAttempt, WebhookEndpoint, WebhookMessage
from shopcast.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    EndpointChanges,
    EndpointIn,
    EndpointOut,
    ReplayIn,
    ReplayOut,
)

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhooks"])
EndpointId = Id
_ERRORS = error_responses(401, 403, 404, 409, 422)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _may_own_endpoints(user: Principal) -> None:
    if user.role is Role.partner:
        raise Forbidden("partners pull clips; webhook endpoints belong to creators, PDs and admins")


def _out(endpoint: WebhookEndpoint, with_secret: bool = False) -> EndpointOut:
    return EndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        created_at=endpoint.created_at,
        secret=endpoint.secret if with_secret else None,
    )


@router.post("", status_code=201, response_model=EndpointOut, responses=_ERRORS)
def create_endpoint(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    body: EndpointIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
) -> Response:
    """A new endpoint; its signing secret is in this response and never shown again."""
    _may_own_endpoints(user)
    identity = RequestIdentity.of("POST", "/v1/webhook-endpoints", body.model_dump_json())
    if idempotency_key:
        stored = replay(session, user.id, idempotency_key, identity)
        if stored is not None:
            return JSONResponse(json.loads(stored.body), status_code=stored.status_code)
    endpoint = service.create_endpoint(
        session, _runtime(request).settings, user, body.url, body.events, body.description
    )
    out = _out(endpoint, with_secret=True).model_dump_json()
    if idempotency_key:
        remember(session, user.id, idempotency_key, identity, StoredResponse(201, {}, out))
    return Response(out, status_code=201, media_type="application/json")


@router.get("", response_model=Page[EndpointOut], responses=_ERRORS)
def list_endpoints(
    session: DbSession, user: CurrentUser, page: Annotated[PageParams, Depends(page_params)]
) -> Page[EndpointOut]:
    rows = service.page_endpoints(session, user, page.limit, page.cursor)
    return Page[EndpointOut](
        items=[_out(e) for e in rows[: page.limit]], next_cursor=next_cursor(rows, page.limit)
    )


@router.get("/{endpoint_id}", response_model=EndpointOut, responses=_ERRORS)
def get_endpoint(session: DbSession, user: CurrentUser, endpoint_id: EndpointId) -> EndpointOut:
    return _out(service.get_endpoint(session, user, endpoint_id))


@router.patch("/{endpoint_id}", response_model=EndpointOut, responses=_ERRORS)
def update_endpoint(
    request: Request, session: DbSession, user: CurrentUser, endpoint_id: EndpointId, body: EndpointChanges
) -> EndpointOut:
    """Change the URL, event filter or description, or enable or disable the endpoint."""
    endpoint = service.get_own_endpoint(session, user, endpoint_id)
    changes = body.model_dump(exclude_none=True)
    return _out(service.update_endpoint(session, _runtime(request).settings, endpoint, changes))


@router.delete("/{endpoint_id}", status_code=204, response_class=Response, responses=_ERRORS)
def delete_endpoint(session: DbSession, user: CurrentUser, endpoint_id: EndpointId) -> Response:
    session.delete(service.get_own_endpoint(session, user, endpoint_id))
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate-secret", response_model=EndpointOut, responses=_ERRORS)
def rotate_secret(
    request: Request, session: DbSession, user: CurrentUser, endpoint_id: EndpointId
) -> EndpointOut:
    """A new secret, shown once; the old one keeps signing beside it for the grace period."""
    endpoint = service.get_own_endpoint(session, user, endpoint_id)
    return _out(service.rotate_secret(session, _runtime(request).settings, endpoint), with_secret=True)


@router.get("/{endpoint_id}/deliveries", response_model=Page[DeliveryOut], responses=_ERRORS)
def list_deliveries(
    session: DbSession,
    user: CurrentUser,
    endpoint_id: EndpointId,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[DeliveryOut]:
    """Every message owed to the endpoint, newest first, with each attempt's status and latency."""
    endpoint = service.get_endpoint(session, user, endpoint_id)
    rows = service.page_messages(session, endpoint, page.limit, page.cursor)
    items = [_delivery(session, m) for m in rows[: page.limit]]
    return Page[DeliveryOut](items=items, next_cursor=next_cursor(rows, page.limit))


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
    responses=_ERRORS,
)
def redeliver(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    endpoint_id: EndpointId,
    delivery_id: Annotated[str, Path(pattern=r"^msg_[0-9a-f]{32}$")],
) -> DeliveryOut:
    """Attempt the message once more, now, with its original webhook-id and body."""
    endpoint = service.get_endpoint(session, user, endpoint_id)
    return _delivery(session, service.redeliver(session, _runtime(request).settings, endpoint, delivery_id))


@router.post("/{endpoint_id}/replay", status_code=202, response_model=ReplayOut, responses=_ERRORS)
def replay_failures(
    request: Request, session: DbSession, user: CurrentUser, endpoint_id: EndpointId, body: ReplayIn
) -> ReplayOut:
    """Attempt once more every dead-lettered message created since `since`."""
    endpoint = service.get_endpoint(session, user, endpoint_id)
    return ReplayOut(
        replayed=service.replay_failed(session, _runtime(request).settings, endpoint, body.since)
    )


def _delivery(session: Session, message: WebhookMessage) -> DeliveryOut:
    attempts = session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.message_id == message.id)
        .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
    )
    waiting = message.state in (MessageState.pending, MessageState.sending)
    return DeliveryOut(
        id=message.id,
        event_id=message.event_id,
        type=message.event_type,
        state=message.state.value,
        attempts=message.attempts,
        next_attempt_at=message.next_attempt_at if waiting else None,
        created_at=message.created_at,
        delivered_at=message.delivered_at,
        history=[
            AttemptOut(
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                response_snippet=a.response_snippet,
                error=a.error,
            )
            for a in attempts
        ],
    )
