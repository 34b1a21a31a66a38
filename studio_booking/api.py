"""Studios, bookings, availability and iCalendar feeds."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from shopcast.api.idempotency import RequestIdentity, idempotent_create
from shopcast.api.pagination import Page, PageParams, next_cursor, page_params
from shopcast.api.routes import Id, IdempotencyKey, error_responses
from shopcast.auth.dependencies import CurrentUser, DbSession, authenticate_request
from shopcast.errors import Unauthorized
from shopcast.runtime import Runtime
from studio_booking import bookings_service, calendar, studios_service
from studio_booking.models import Studio
from studio_booking.schemas import (
    AvailabilityOut,
    BookingIn,
    BookingOut,
    CalendarFeedOut,
    StudioIn,
    StudioOut,
)

router = APIRouter(tags=["studios"])
_ERRORS = error_responses(401, 403, 404, 409, 422)
_ICS: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post("/v1/studios", status_code=201, response_model=StudioOut, responses=_ERRORS)
def create_studio(session: DbSession, user: CurrentUser, body: StudioIn) -> StudioOut:
    return studios_service.to_out(studios_service.create_studio(session, user, body))


@router.get("/v1/studios", response_model=Page[StudioOut], responses=_ERRORS)
def list_studios(
    session: DbSession, user: CurrentUser, page: Annotated[PageParams, Depends(page_params)]
) -> Page[StudioOut]:
    rows = studios_service.list_studios(session, page.limit, page.cursor)
    items = [studios_service.to_out(studio) for studio in rows[: page.limit]]
    return Page[StudioOut](items=items, next_cursor=next_cursor(rows, page.limit))


@router.get("/v1/studios/{studio_id}", response_model=StudioOut, responses=_ERRORS)
def get_studio(session: DbSession, user: CurrentUser, studio_id: Id) -> StudioOut:
    return studios_service.to_out(studios_service.get_studio(session, studio_id))


@router.get("/v1/studios/{studio_id}/availability", response_model=AvailabilityOut, responses=_ERRORS)
def availability(
    session: DbSession, user: CurrentUser, studio_id: Id, day: Annotated[date, Query(alias="date")]
) -> AvailabilityOut:
    """Open hours, bookings and free slots of one local date in the studio's time zone."""
    return studios_service.availability(session, studios_service.get_studio(session, studio_id), day)


@router.get("/v1/studios/{studio_id}/calendar.ics", response_class=Response, responses={**_ICS, **_ERRORS})
def studio_calendar(
    request: Request,
    session: DbSession,
    studio_id: Id,
    feed: Annotated[str | None, Query(max_length=100, description="a calendar feed token")] = None,
) -> Response:
    """Every booking of the studio; a calendar app may pass a feed token instead of a bearer header."""
    if feed is not None:
        calendar.feed_owner(session, feed)
    else:
        authenticate_request(session, request)
    studio = studios_service.get_studio(session, studio_id)
    body = calendar.render(studio.name, calendar.studio_bookings(session, studio.id), {studio.id: studio})
    return Response(body, media_type="text/calendar")


@router.post("/v1/bookings", status_code=201, response_model=BookingOut, responses=_ERRORS)
def create_booking(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    body: BookingIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    identity = RequestIdentity.of("POST", "/v1/bookings", body.model_dump_json())

    def create() -> tuple[int, str]:
        booking = bookings_service.create_booking(session, user, body, _runtime(request).settings)
        studio = studios_service.get_studio(session, booking.studio_id)
        return 201, bookings_service.to_out(booking, studio, _runtime(request).settings).model_dump_json()

    return idempotent_create(session, user.id, idempotency_key, identity, create)


@router.get("/v1/bookings", response_model=Page[BookingOut], responses=_ERRORS)
def list_bookings(
    request: Request, session: DbSession, user: CurrentUser, page: Annotated[PageParams, Depends(page_params)]
) -> Page[BookingOut]:
    rows = bookings_service.list_visible(session, user, page.limit, page.cursor)
    settings = _runtime(request).settings
    items = [
        bookings_service.to_out(b, studios_service.get_studio(session, b.studio_id), settings)
        for b in rows[: page.limit]
    ]
    return Page[BookingOut](items=items, next_cursor=next_cursor(rows, page.limit))


@router.get("/v1/bookings/{booking_id}", response_model=BookingOut, responses=_ERRORS)
def get_booking(request: Request, session: DbSession, user: CurrentUser, booking_id: Id) -> BookingOut:
    booking = bookings_service.get_visible(session, user, booking_id)
    studio = studios_service.get_studio(session, booking.studio_id)
    return bookings_service.to_out(booking, studio, _runtime(request).settings)


@router.delete("/v1/bookings/{booking_id}", response_model=BookingOut, responses=_ERRORS)
def cancel_booking(request: Request, session: DbSession, user: CurrentUser, booking_id: Id) -> BookingOut:
    """Cancel a booking; it stays listed (and in calendars) as cancelled."""
    booking = bookings_service.cancel_booking(session, user, booking_id)
    studio = studios_service.get_studio(session, booking.studio_id)
    return bookings_service.to_out(booking, studio, _runtime(request).settings)


@router.post("/v1/calendar-feeds", response_model=CalendarFeedOut, responses=_ERRORS)
def rotate_feed(request: Request, session: DbSession, user: CurrentUser) -> CalendarFeedOut:
    """A private calendar URL of the caller's bookings; calling again revokes the previous URL."""
    token = calendar.rotate_feed_token(session, user)
    return CalendarFeedOut(url=f"{_runtime(request).settings.public_url}/v1/calendars/{token}.ics")


@router.delete("/v1/calendar-feeds", status_code=204, response_class=Response, responses=_ERRORS)
def revoke_feed(session: DbSession, user: CurrentUser) -> Response:
    calendar.revoke_feed_token(session, user)
    return Response(status_code=204)


@router.get("/v1/calendars/{token}.ics", response_class=Response, responses={**_ICS, **_ERRORS})
def creator_calendar(session: DbSession, token: Annotated[str, Path(max_length=100)]) -> Response:
    """The bookings of the feed token's owner, for calendar apps (the token is the credential)."""
    try:
        owner = calendar.feed_owner(session, token)
    except LookupError as exc:
        raise Unauthorized("this calendar link was revoked or never existed", code="unknown_feed") from exc
    bookings = calendar.creator_bookings(session, owner)
    studios = {s.id: s for s in session.query(Studio).filter(Studio.id.in_({b.studio_id for b in bookings}))}
    return Response(calendar.render("My studio bookings", bookings, studios), media_type="text/calendar")
