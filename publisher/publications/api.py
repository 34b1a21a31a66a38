"""Publications (`/v1/publications`): a clip or asset conformed to a channel and delivered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from publisher.publications import service
from publisher.publications.schemas import PublicationIn, PublicationOut
from shopcast.api.idempotency import RequestIdentity, idempotent_create
from shopcast.api.pagination import Page, PageParams, next_cursor, page_params
from shopcast.api.routes import ID_PATTERN, Id, IdempotencyKey, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession
from shopcast.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["publisher"])
_ERRORS = error_responses(401, 403, 404, 409, 422)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


_EXISTING: dict[int | str, dict[str, Any]] = {
    200: {"model": PublicationOut, "description": "the existing one"}
}


@router.post(
    "/publications", status_code=201, response_model=PublicationOut, responses={**_EXISTING, **_ERRORS}
)
def create_publication(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    body: PublicationIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Conform a ready clip (or asset) to the channel's profile and deliver it. The same clip published
    to the same channel again answers the existing publication (200) unless that one failed."""
    identity = RequestIdentity.of("POST", "/v1/publications", body.model_dump_json())

    def create() -> tuple[int, str]:
        publication, created = service.create_publication(session, _runtime(request).settings, user, body)
        return 201 if created else 200, service.to_out(session, publication).model_dump_json()

    return idempotent_create(session, user.id, idempotency_key, identity, create)


@router.get("/publications", response_model=Page[PublicationOut], responses=_ERRORS)
def list_publications(
    session: DbSession,
    user: CurrentUser,
    page: Annotated[PageParams, Depends(page_params)],
    channel_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
) -> Page[PublicationOut]:
    rows = service.list_visible(session, user, page.limit, page.cursor, channel_id)
    items = [service.to_out(session, publication) for publication in rows[: page.limit]]
    return Page[PublicationOut](items=items, next_cursor=next_cursor(rows, page.limit))


@router.get("/publications/{publication_id}", response_model=PublicationOut, responses=_ERRORS)
def get_publication(session: DbSession, user: CurrentUser, publication_id: Id) -> PublicationOut:
    return service.to_out(session, service.get_visible(session, user, publication_id))
