"""One-time sign-in links: an admin hands one to a person (`shopcast users signin-link`), who opens
it once within signin_link_ttl_s to get a session.

The secret sits in the link's fragment (`/web/#link=...`), which browsers never send to a server, so
it stays out of access logs and Referer headers; the sign-in page posts it to `POST /v1/sessions`.
Redeeming is a compare-and-set on `used_at`: of two tabs opening the same link, one signs in.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopcast.auth.models import SigninLink, User
from shopcast.auth.service import hash_token
from shopcast.db import rows_affected, utcnow
from shopcast.errors import NotFound, Unauthorized
from shopcast.settings import Settings

__all__ = ["create_signin_link", "redeem_signin_link", "void_links_of"]


def create_signin_link(session: Session, user_name: str, settings: Settings) -> tuple[str, datetime]:
    """A link that signs `user_name` in once; returns it with the time it stops working."""
    user_id = session.scalar(select(User.id).where(User.name == user_name))
    if user_id is None:
        raise NotFound(f"no user named {user_name!r}")
    secret = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=settings.signin_link_ttl_s)
    session.add(SigninLink(id=hash_token(secret), user_id=user_id, expires_at=expires_at))
    session.flush()
    return f"{settings.public_url.rstrip('/')}/web/#link={secret}", expires_at


def redeem_signin_link(session: Session, secret: str) -> str:
    """Use up a link; returns whose it was. Unknown, used and expired links are refused alike."""
    now = utcnow()
    used = session.execute(
        update(SigninLink)
        .where(SigninLink.id == hash_token(secret), SigninLink.used_at.is_(None), SigninLink.expires_at > now)
        .values(used_at=now)
    )
    link = session.get(SigninLink, hash_token(secret)) if rows_affected(used) == 1 else None
    if link is None:
        raise Unauthorized("this sign-in link is unknown, used or expired", code="invalid_link")
    return link.user_id


def void_links_of(session: Session, user_id: str) -> None:
    """Use up every unused link of the user (a password reset or change, a sign-out everywhere)."""
    session.execute(
        update(SigninLink)
        .where(SigninLink.user_id == user_id, SigninLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
