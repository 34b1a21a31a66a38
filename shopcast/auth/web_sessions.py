"""Browser sessions: what a signed-in page's cookie stands for.

The cookie (`shopcast_session`) holds 256 random bits; the database keeps only their sha256, so a
copy of the database signs nobody in. A session ends at `expires_at` (web_session_ttl_s after
sign-in), after web_session_idle_s without a request, or when revoked (signing out, a password
change, `shopcast users signout`). Requests that change something and authenticate by the cookie
must also send `X-CSRF-Token`: an HMAC of the session's secret under the deployment's secret key,
which only a page of this origin can read (from the sign-in answer or `GET /v1/sessions/current`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from shopcast.auth.models import SigninLink, User, WebSession
from shopcast.auth.service import Principal, hash_token
from shopcast.db import rows_affected, transaction, utcnow
from shopcast.errors import NotFound, Unauthorized
from shopcast.settings import Settings

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "csrf_matches",
    "csrf_token",
    "forget_ended",
    "live_sessions",
    "principal_of_session",
    "revoke_session",
    "revoke_sessions_of",
    "start_session",
    "touch_session",
]

log = logging.getLogger(__name__)
SESSION_COOKIE = "shopcast_session"
CSRF_HEADER = "X-CSRF-Token"
_TOUCH_EVERY = timedelta(seconds=60)  # idle time is measured to the minute: one write a minute at most


def csrf_token(settings: Settings, secret: str) -> str:
    key = settings.secret_key.encode()
    return hmac.new(key, b"csrf\x00" + secret.encode(), hashlib.sha256).hexdigest()


def csrf_matches(settings: Settings, secret: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(sent.encode(), csrf_token(settings, secret).encode())


def start_session(
    session: Session, user_id: str, settings: Settings, address: str, user_agent: str
) -> tuple[str, WebSession]:
    """A new session for the user; returns the cookie's secret (shown only to this browser) and the row."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        secret_hash=hash_token(secret),
        user_id=user_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.web_session_ttl_s),
        address=address[:64],
        user_agent=user_agent[:200],
    )
    session.add(row)
    session.flush()
    return secret, row


def _is_live(row: WebSession, settings: Settings, now: datetime) -> bool:
    idle_until = row.last_seen_at + timedelta(seconds=settings.web_session_idle_s)
    return row.revoked_at is None and now < row.expires_at and now < idle_until


def principal_of_session(session: Session, secret: str, settings: Settings) -> tuple[Principal, WebSession]:
    """Who a session cookie signs in; raises Unauthorized once the session has ended."""
    row = session.scalar(select(WebSession).where(WebSession.secret_hash == hash_token(secret)))
    if row is None or not _is_live(row, settings, utcnow()):
        raise Unauthorized("this session has ended: sign in again", code="session_ended")
    user = session.get(User, row.user_id)
    if user is None:
        raise Unauthorized("this session has ended: sign in again", code="session_ended")
    return Principal(id=user.id, name=user.name, role=user.role), row


def touch_session(sessions: sessionmaker[Session], row: WebSession) -> None:
    """Record that the session is in use, at most once a minute, in a transaction of its own (the
    request's may be a read-only snapshot). Best effort: a request is not refused because this
    write failed; the next one a minute on tries again."""
    now = utcnow()
    if now - row.last_seen_at < _TOUCH_EVERY:
        return
    try:
        with transaction(sessions) as session:
            session.execute(
                update(WebSession)
                .where(WebSession.id == row.id, WebSession.last_seen_at < now - _TOUCH_EVERY)
                .values(last_seen_at=now)
            )
    except SQLAlchemyError:
        log.warning("session %s: recording its use failed", row.id, exc_info=True)


def forget_ended(session: Session, settings: Settings) -> None:
    """Delete sessions and sign-in links that ended more than a day ago (a periodic of the sweeper),
    so neither table grows for ever."""
    now = utcnow()
    day = timedelta(days=1)
    idle = timedelta(seconds=settings.web_session_idle_s)
    session.execute(
        delete(WebSession).where(
            (WebSession.expires_at < now - day)
            | (WebSession.revoked_at < now - day)
            | (WebSession.last_seen_at < now - idle - day)
        )
    )
    session.execute(delete(SigninLink).where(SigninLink.expires_at < now - day))


def live_sessions(session: Session, user_id: str, settings: Settings) -> Sequence[WebSession]:
    rows = session.scalars(
        select(WebSession).where(WebSession.user_id == user_id).order_by(WebSession.created_at.desc())
    )
    now = utcnow()
    return [row for row in rows if _is_live(row, settings, now)]


def revoke_session(session: Session, user_id: str, session_id: str) -> None:
    """End one of the user's sessions; NotFound when it is not theirs or has already ended."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if rows_affected(result) != 1:
        raise NotFound("no such session")


def revoke_sessions_of(session: Session, user_id: str) -> int:
    """End every session of the user; returns how many ended."""
    query = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    return rows_affected(session.execute(query.values(revoked_at=utcnow())))
