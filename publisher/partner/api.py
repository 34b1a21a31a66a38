"""The partner API: `GET /v1/partner/clips[/{id}]` (delivered clips of the partner's channels, with
expiring signed URLs), the files behind those URLs, `GET /v1/partner/feed.xml` (Media RSS, by bearer
token or revocable feed token) and the feed tokens themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from publisher.channels import service as channels_service
from publisher.channels.profiles import Profile
from publisher.partner import service as partner_service
from publisher.partner.feed import render_feed
from publisher.partner.service import PartnerItemOut
from publisher.publications import service
from publisher.publications.schemas import FeedTokenIn, FeedTokenOut
from shopcast.api.pagination import Page, PageParams, next_cursor, page_params
from shopcast.api.routes import Id, error_responses
from shopcast.api.stored_files import whole_file
from shopcast.auth.dependencies import CurrentUser, DbSession, authenticate_request
from shopcast.auth.service import Principal
from shopcast.auth.web_sessions import SESSION_COOKIE
from shopcast.errors import Unauthorized
from shopcast.runtime import Runtime

router = APIRouter(prefix="/v1/partner", tags=["partner"])
ExpiresIn = Annotated[
    int | None, Query(ge=1, le=7 * 24 * 3600, description="seconds the signed URLs stay valid; default 1 h")
]
_ERRORS = error_responses(401, 403, 404, 422)


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/clips", response_model=Page[PartnerItemOut], responses=_ERRORS)
def list_partner_clips(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    page: Annotated[PageParams, Depends(page_params)],
    expires_in: ExpiresIn = None,
    channel: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
) -> Page[PartnerItemOut]:
    """Delivered clips of the caller's channels, newest first, with the product timeline, subtitles
    and signed URLs that expire (default 1 h)."""
    settings = _runtime(request).settings
    allowed = channels_service.partner_channel_ids(session, user)
    rows = partner_service.delivered_for(session, allowed, page.limit, page.cursor, channel)
    ttl = expires_in or settings.partner_url_ttl_s
    items = [partner_service.partner_view(session, settings, row, ttl) for row in rows[: page.limit]]
    return Page[PartnerItemOut](items=items, next_cursor=next_cursor(rows, page.limit))


@router.get("/clips/{publication_id}", response_model=PartnerItemOut, responses=_ERRORS)
def get_partner_clip(
    request: Request, session: DbSession, user: CurrentUser, publication_id: Id, expires_in: ExpiresIn = None
) -> PartnerItemOut:
    settings = _runtime(request).settings
    publication = service.delivered_to_partner(session, user, publication_id)
    return partner_service.partner_view(
        session, settings, publication, expires_in or settings.partner_url_ttl_s
    )


@router.get("/files/{publication_id}/{name}", responses=_ERRORS, response_class=StreamingResponse)
def get_partner_file(
    request: Request,
    session: DbSession,
    publication_id: Id,
    name: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")],
    token: Annotated[str, Query(max_length=200)] = "",
) -> StreamingResponse:
    """A file behind a signed URL: no headers needed; 403 once the URL has expired."""
    runtime = _runtime(request)
    key, file = partner_service.verified_file(session, runtime.settings, publication_id, name, token)
    return whole_file(runtime.store, key, file.size, file.content_type, cache=None, filename=name)


def _optional_user(request: Request, session: DbSession) -> Principal | None:
    """The caller by header, else by cookie unless a feed token came (a reader's stale cookie must
    not spoil the feed it asked for by token)."""
    if "authorization" in request.headers:
        return authenticate_request(session, request)
    if SESSION_COOKIE in request.cookies and "token" not in request.query_params:
        return authenticate_request(session, request)
    return None


@router.get("/feed.xml", responses={200: {"content": {"application/rss+xml": {}}}, **_ERRORS})
def get_feed(
    request: Request,
    session: DbSession,
    user: Annotated[Principal | None, Depends(_optional_user)],
    channel: Annotated[
        str,
        Query(
            max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="the channel's id or name"
        ),
    ],
    token: Annotated[
        str | None, Query(max_length=200, description="a feed token, for readers without headers")
    ] = None,
) -> Response:
    """The channel's delivered clips as Media RSS 1.5, by bearer token or feed token."""
    if user is None and not token:
        raise Unauthorized("send Authorization: Bearer <token> or ?token=<feed token>")
    settings = _runtime(request).settings
    found = partner_service.feed_channel(session, channel, user, token)
    rows = partner_service.delivered_for(session, [found.id], 200, None)
    clips = [
        partner_service.partner_view(session, settings, row, settings.partner_url_ttl_s) for row in rows[:200]
    ]
    picture = Profile.model_validate(found.profile).picture
    link = f"{settings.public_url}/v1/partner/clips?channel={found.id}"
    body = render_feed(found.name, link, clips, (picture.width, picture.height))
    return Response(body, media_type="application/rss+xml; charset=utf-8")


@router.post("/feed-tokens", status_code=201, response_model=FeedTokenOut, responses=_ERRORS)
def create_feed_token(
    request: Request, session: DbSession, user: CurrentUser, body: FeedTokenIn
) -> FeedTokenOut:
    """A token for one of the caller's channels' feed, for readers that cannot send headers; shown once."""
    row, token = partner_service.create_feed_token(session, user, body.channel_id)
    return partner_service.feed_token_out(row, _runtime(request).settings, token)


@router.delete("/feed-tokens/{token_id}", status_code=204, responses=_ERRORS)
def revoke_feed_token(session: DbSession, user: CurrentUser, token_id: Id) -> Response:
    partner_service.revoke_feed_token(session, user, token_id)
    return Response(status_code=204)
