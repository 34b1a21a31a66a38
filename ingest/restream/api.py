"""Restream destinations of a live stream (pushed while it is live), and a creator's saved ones."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response

from ingest.live.node import LiveNode
from ingest.live.service import get_visible_stream
from ingest.restream import service as restream_service
from ingest.restream.schemas import DestinationIn, DestinationOut, DestinationPatch, SavedDestinationOut
from shopcast.api.idempotency import RequestIdentity, idempotent_create
from shopcast.api.routes import Id, IdempotencyKey, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.runtime import Runtime

router = APIRouter(tags=["restream"])
_ERRORS = error_responses(401, 404, 409, 422)
_ALL = "/v1/live-streams/{stream_id}/destinations"
_ONE = "/v1/live-streams/{stream_id}/destinations/{destination_id}"


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _nudge(request: Request, background: BackgroundTasks, stream_id: str) -> None:
    """Once the change is committed (tasks run after the answer), this process's live session of the
    stream follows it; other nodes follow within their next health tick."""
    node: LiveNode | None = getattr(request.app.state, "live_node", None)
    if node is not None:
        background.add_task(node.nudge_restream, stream_id)


@router.post(_ALL, status_code=201, response_model=DestinationOut, responses=_ERRORS)
def add_destination(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    user: CurrentUser,
    stream_id: Id,
    body: DestinationIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Push this stream to an RTMP(S) or SRT URL (the platform's, with its stream key) while it is live.
    The URL must reach a public address; it is stored sealed and shown only masked."""
    identity = RequestIdentity.of(
        "POST", f"/v1/live-streams/{stream_id}/destinations", body.model_dump_json()
    )
    stream = get_visible_stream(session, user, stream_id)

    def create() -> tuple[int, str]:
        row = restream_service.add_destination(session, _runtime(request).settings, stream, body)
        return 201, restream_service.to_out(row).model_dump_json()

    _nudge(request, background, stream_id)
    return idempotent_create(session, user.id, idempotency_key, identity, create)


@router.get(_ALL, response_model=list[DestinationOut], responses=_ERRORS)
def list_destinations(session: DbSession, user: CurrentUser, stream_id: Id) -> list[DestinationOut]:
    stream = get_visible_stream(session, user, stream_id)
    return [restream_service.to_out(row) for row in restream_service.destinations_of(session, stream)]


@router.get(_ONE, response_model=DestinationOut, responses=_ERRORS)
def get_destination(
    session: DbSession, user: CurrentUser, stream_id: Id, destination_id: Id
) -> DestinationOut:
    stream = get_visible_stream(session, user, stream_id)
    return restream_service.to_out(restream_service.destination(session, stream, destination_id))


@router.patch(_ONE, response_model=DestinationOut, responses=_ERRORS)
def change_destination(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    user: CurrentUser,
    stream_id: Id,
    destination_id: Id,
    patch: DestinationPatch,
) -> DestinationOut:
    """Rename, enable or disable; while live, the push starts or stops at once."""
    stream = get_visible_stream(session, user, stream_id)
    row = restream_service.change_destination(session, stream, destination_id, patch)
    _nudge(request, background, stream_id)
    return restream_service.to_out(row)


@router.delete(_ONE, status_code=204, response_class=Response, responses=_ERRORS)
def remove_destination(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    user: CurrentUser,
    stream_id: Id,
    destination_id: Id,
) -> Response:
    stream = get_visible_stream(session, user, stream_id)
    restream_service.remove_destination(session, stream, destination_id)
    _nudge(request, background, stream_id)
    return Response(status_code=204)


@router.get("/v1/saved-destinations", response_model=list[SavedDestinationOut], responses=_ERRORS)
def list_saved(session: DbSession, user: CurrentUser) -> list[SavedDestinationOut]:
    """Destinations every new live stream of the caller starts with (saved with `"save": true`)."""
    return [restream_service.saved_to_out(row) for row in restream_service.saved_of(session, user)]


@router.delete(
    "/v1/saved-destinations/{saved_id}", status_code=204, response_class=Response, responses=_ERRORS
)
def forget_saved(session: DbSession, user: CurrentUser, saved_id: Id) -> Response:
    restream_service.forget_saved(session, user, saved_id)
    return Response(status_code=204)
