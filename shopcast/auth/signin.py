"""Signing people in: a name and password or a one-time link in, a browser session out; and the
password changes that end a person's other sessions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shopcast.auth.models import User, WebSession
from shopcast.auth.passwords import hash_password, password_matches
from shopcast.auth.service import Principal
from shopcast.auth.signin_links import redeem_signin_link, void_links_of
from shopcast.auth.signin_throttle import forget_failures
from shopcast.auth.web_sessions import revoke_sessions_of, start_session
from shopcast.db import transaction
from shopcast.errors import NotFound, Unauthorized
from shopcast.settings import Settings

__all__ = [
    "Client",
    "NewPassword",
    "SignedIn",
    "change_password",
    "set_password",
    "sign_in_with_link",
    "sign_in_with_password",
]

_WRONG = "wrong name or password"


@dataclass(frozen=True)
class Client:
    """Where a sign-in comes from, as the session list shows it."""

    address: str
    user_agent: str


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    secret: str  # the cookie's value
    session: WebSession


def _start(session: Session, user: User, settings: Settings, client: Client) -> SignedIn:
    secret, row = start_session(session, user.id, settings, client.address, client.user_agent)
    return SignedIn(Principal(id=user.id, name=user.name, role=user.role), secret, row)


def sign_in_with_password(
    sessions: sessionmaker[Session],
    settings: Settings,
    name: str,
    password: str,
    client: Client,
    attempt: str,
) -> SignedIn:
    """A session for the user whose password this is; Unauthorized otherwise (the same answer for an
    unknown name). `attempt` is the one `begin_attempt` recorded, which the right password clears."""
    with transaction(sessions) as session:
        user = session.scalar(select(User).where(User.name == name))
        if not password_matches(user.password_hash if user else None, password) or user is None:
            raise Unauthorized(_WRONG, code="invalid_credentials")
        signed_in = _start(session, user, settings, client)
    forget_failures(sessions, attempt, name)
    return signed_in


def sign_in_with_link(
    sessions: sessionmaker[Session], settings: Settings, secret: str, client: Client
) -> SignedIn:
    with transaction(sessions) as session:
        user = session.get(User, redeem_signin_link(session, secret))
        if user is None:
            raise Unauthorized("this sign-in link is unknown, used or expired", code="invalid_link")
        return _start(session, user, settings, client)


def set_password(session: Session, user_name: str, password: str) -> int:
    """Give a user a new password (the CLI's reset); ends every session of theirs, returning how
    many, and voids their unused sign-in links."""
    user = session.scalar(select(User).where(User.name == user_name))
    if user is None:
        raise NotFound(f"no user named {user_name!r}")
    user.password_hash = hash_password(password)
    void_links_of(session, user.id)
    return revoke_sessions_of(session, user.id)


@dataclass(frozen=True)
class NewPassword:
    current: str
    new: str
    attempt: str  # recorded by begin_attempt: a wrong current password counts as a failed sign-in


def change_password(
    sessions: sessionmaker[Session],
    settings: Settings,
    principal: Principal,
    change: NewPassword,
    browser: Client | None,
) -> SignedIn | None:
    """A user's own change: the current password must be right. Every session of theirs ends and
    their unused sign-in links are void; a browser that made the change (`browser`, when it was
    signed in by cookie) gets a new session, so a copy of its old cookie dies too."""
    with transaction(sessions) as session:
        user = session.get(User, principal.id)
        if user is None or not password_matches(user.password_hash, change.current):
            raise Unauthorized("the current password is wrong", code="invalid_credentials")
        user.password_hash = hash_password(change.new)
        void_links_of(session, user.id)
        revoke_sessions_of(session, user.id)
        renewed = _start(session, user, settings, browser) if browser is not None else None
    forget_failures(sessions, change.attempt, principal.name)
    return renewed
