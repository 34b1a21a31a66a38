"""Signing in through the pages: `POST /v1/sessions` (a name and password, or a one-time link)
sets the session cookie; the caller's sessions can be listed and ended; `PUT /v1/me/password`
changes a password and ends the caller's other sessions (shopcast/auth/web_sessions.py).

Password checks run on worker threads two at a time per process: each takes about 19 MiB, so a
flood of sign-ins waits on the event loop rather than holding memory or the shared thread pool;
past `_MAX_WAITING` waiting, sign-in answers 429 `signin_busy`. The throttle is consulted before
the wait, so a refused guess costs no place in it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from shopcast.api.routes import Id, error_responses
from shopcast.auth.dependencies import CallerOwnTransaction, CurrentUser, DbSession
from shopcast.auth.models import WebSession
from shopcast.auth.passwords import check_password_rules
from shopcast.auth.schemas import (
    CurrentSessionOut,
    LinkSignIn,
    PasswordChange,
    PasswordSignIn,
    SessionOut,
    SessionsOut,
    SessionUser,
)
from shopcast.auth.service import Principal
from shopcast.auth.signin import (
    Client,
    NewPassword,
    SignedIn,
    change_password,
    sign_in_with_link,
    sign_in_with_password,
)
from shopcast.auth.signin_throttle import begin_attempt
from shopcast.auth.web_sessions import SESSION_COOKIE, csrf_token, live_sessions, revoke_session
from shopcast.errors import Forbidden, NotFound, RateLimited
from shopcast.settings import Settings

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])
password_router = APIRouter(prefix="/v1/me", tags=["users"])
_CONCURRENT_CHECKS = 2
_MAX_WAITING = 64
_T = TypeVar("_T")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def _client(request: Request) -> Client:
    address = request.client.host if request.client else ""
    return Client(address=address, user_agent=request.headers.get("user-agent", ""))


def _checks(app: FastAPI) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter | None = getattr(app.state, "password_checks", None)
    if limiter is None:
        limiter = app.state.password_checks = anyio.CapacityLimiter(_CONCURRENT_CHECKS)
    return limiter


def _refuse_when_busy(request: Request) -> None:
    if _checks(request.app).statistics().tasks_waiting >= _MAX_WAITING:
        raise RateLimited(
            "too many sign-ins at once: try again", code="signin_busy", headers={"Retry-After": "1"}
        )


async def _checked(request: Request, work: Callable[[], _T]) -> _T:
    return await anyio.to_thread.run_sync(work, limiter=_checks(request.app))


async def _attempt(request: Request, name: str) -> str:
    """Record a password attempt (or refuse it, over a cap) before it waits for a check."""
    work = partial(
        begin_attempt, request.app.state.sessions, name, _client(request).address, _settings(request)
    )
    return await anyio.to_thread.run_sync(work)


def _refuse_other_origins(request: Request) -> None:
    """Another site's page may not sign its visitor in (to an account of the attacker's choosing)."""
    origin = request.headers.get("origin")
    if origin is None:
        return  # not sent by a browser's cross-site request: programs, and same-origin GET-style posts
    allowed = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
    public = urlsplit(_settings(request).public_url)
    allowed.add(f"{public.scheme}://{public.netloc}")
    if origin not in allowed:
        raise Forbidden("sign in from this site's own pages", code="cross_origin")


def _https(request: Request) -> bool:
    return request.url.scheme == "https" or _settings(request).public_url.startswith("https://")


def _current(settings: Settings, row: WebSession, principal: Principal, secret: str) -> CurrentSessionOut:
    return CurrentSessionOut(
        id=row.id,
        user=SessionUser(id=principal.id, name=principal.name, role=principal.role),
        csrf_token=csrf_token(settings, secret),
        expires_at=row.expires_at,
    )


@router.post(
    "", status_code=201, response_model=CurrentSessionOut, responses=error_responses(401, 403, 422, 429)
)
async def sign_in(request: Request, body: PasswordSignIn | LinkSignIn) -> Response:
    """Sign a person in with a name and password, or with a one-time link's secret. Sets the
    `shopcast_session` cookie (HttpOnly, SameSite=Lax, Secure over HTTPS). A wrong password and an
    unknown name get the same 401; too many failures of an account or an address get 429."""
    _refuse_other_origins(request)
    _refuse_when_busy(request)
    settings, client, sessions = _settings(request), _client(request), request.app.state.sessions
    work: Callable[[], SignedIn]
    if isinstance(body, PasswordSignIn):
        attempt = await _attempt(request, body.name)
        work = partial(sign_in_with_password, sessions, settings, body.name, body.password, client, attempt)
    else:
        work = partial(sign_in_with_link, sessions, settings, body.link, client)
    signed_in: SignedIn = await _checked(request, work)
    out = _current(settings, signed_in.session, signed_in.principal, signed_in.secret)
    response = JSONResponse(out.model_dump(mode="json"), status_code=201)
    _set_session_cookie(response, request, signed_in.secret)
    return response


def _set_session_cookie(response: Response, request: Request, secret: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=_settings(request).web_session_ttl_s,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_https(request),
    )


def _web_session(request: Request, session: DbSession) -> WebSession:
    session_id = getattr(request.state, "web_session_id", None)
    row = session.get(WebSession, session_id) if session_id else None
    if row is None:
        raise NotFound("this request was not signed in by a session cookie", code="no_session")
    return row


@router.get("/current", response_model=CurrentSessionOut, responses=error_responses(401, 404))
def current_session(request: Request, session: DbSession, user: CurrentUser) -> CurrentSessionOut:
    """The browser's own session, with the CSRF token its page sends on every change."""
    row = _web_session(request, session)
    return _current(_settings(request), row, user, request.cookies[SESSION_COOKIE])


@router.delete("/current", status_code=204, response_class=Response, responses=error_responses(401, 403, 404))
def sign_out(request: Request, session: DbSession, user: CurrentUser) -> Response:
    """End the browser's session and clear its cookie."""
    revoke_session(session, user.id, _web_session(request, session).id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_https(request))
    return response


@router.get("", response_model=SessionsOut, responses=error_responses(401))
def list_sessions(request: Request, session: DbSession, user: CurrentUser) -> SessionsOut:
    """The caller's signed-in browsers that have not ended."""
    current = getattr(request.state, "web_session_id", None)
    rows = live_sessions(session, user.id, _settings(request))
    return SessionsOut(
        items=[
            SessionOut(
                id=row.id,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                expires_at=row.expires_at,
                address=row.address,
                user_agent=row.user_agent,
                current=row.id == current,
            )
            for row in rows
        ]
    )


@router.delete(
    "/{session_id}", status_code=204, response_class=Response, responses=error_responses(401, 403, 404)
)
def end_session(session: DbSession, user: CurrentUser, session_id: Id) -> Response:
    """End one of the caller's sessions (a browser left signed in elsewhere)."""
    revoke_session(session, user.id, session_id)
    return Response(status_code=204)


@password_router.put(
    "/password", status_code=204, response_class=Response, responses=error_responses(401, 403, 422, 429)
)
async def set_own_password(request: Request, user: CallerOwnTransaction, body: PasswordChange) -> Response:
    """Change the caller's password. Every session of theirs ends and unused sign-in links stop
    working; a browser that made the change gets a new session cookie (and so a new CSRF token,
    from `GET /v1/sessions/current`)."""
    check_password_rules(body.new_password)
    _refuse_when_busy(request)
    attempt = await _attempt(request, user.name)
    browser = _client(request) if getattr(request.state, "web_session_id", None) else None
    change = NewPassword(body.current_password, body.new_password, attempt)
    work = partial(change_password, request.app.state.sessions, _settings(request), user, change, browser)
    renewed = await _checked(request, work)
    response = Response(status_code=204)
    if renewed is not None:
        _set_session_cookie(response, request, renewed.secret)
    return response
