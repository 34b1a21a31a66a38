"""Creating users, checking tokens, and deciding whose objects a user may see."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from shopcast.auth.models import PdAssignment, Role, User
from shopcast.auth.passwords import hash_password
from shopcast.errors import Conflict, NotFound, Unauthorized

TOKEN_PREFIX = "sc_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as request handlers and services see it."""

    id: str
    name: str
    role: Role


def hash_token(token: str) -> str:
    # API tokens, session cookies and sign-in links carry 256 random bits, so a fast hash is
    # enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, name: str, role: Role, password: str | None = None) -> tuple[User, str]:
    """Create a user, with a password to sign in to the pages if one is given; returns it with its
    API token, which is shown only this once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    password_hash = hash_password(password) if password is not None else None
    user = User(name=name, role=role, token_hash=hash_token(token), password_hash=password_hash)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a user named {name!r} already exists", code="user_exists") from exc
    return user, token


def authenticate(session: Session, token: str) -> Principal:
    """The user owning `token`; raises Unauthorized for an unknown token."""
    user = session.scalar(select(User).where(User.token_hash == hash_token(token)))
    if user is None:
        raise Unauthorized("unknown API token", code="invalid_token")
    return Principal(id=user.id, name=user.name, role=user.role)


def assign_pd(session: Session, pd_name: str, creator_name: str) -> None:
    """Let a PD act for a creator; raises NotFound when either name is unknown or has the wrong role."""
    pd = session.scalar(select(User).where(User.name == pd_name, User.role == Role.pd))
    creator = session.scalar(select(User).where(User.name == creator_name, User.role == Role.creator))
    if pd is None or creator is None:
        raise NotFound("no such pd or creator")
    if session.get(PdAssignment, (pd.id, creator.id)) is None:
        session.add(PdAssignment(pd_id=pd.id, creator_id=creator.id))


def unassign_pd(session: Session, pd_name: str, creator_name: str) -> None:
    """Stop a PD acting for a creator; raises NotFound when there was no such assignment."""
    pd = session.scalar(select(User.id).where(User.name == pd_name, User.role == Role.pd))
    creator = session.scalar(select(User.id).where(User.name == creator_name, User.role == Role.creator))
    assignment = session.get(PdAssignment, (pd, creator)) if pd and creator else None
    if assignment is None:
        raise NotFound("no such assignment")
    session.delete(assignment)


def assignments(session: Session) -> list[tuple[str, str]]:
    """Every (pd name, creator name) pair."""
    pd, creator = aliased(User), aliased(User)
    rows = session.execute(
        select(pd.name, creator.name)
        .join(PdAssignment, PdAssignment.pd_id == pd.id)
        .join(creator, PdAssignment.creator_id == creator.id)
        .order_by(pd.name, creator.name)
    )
    return [(str(p), str(c)) for p, c in rows]


def visible_owner_ids(session: Session, principal: Principal) -> list[str] | None:
    """Owners whose objects `principal` may read; None means every owner (admins)."""
    if principal.role is Role.admin:
        return None
    if principal.role is Role.pd:
        creators = session.scalars(select(PdAssignment.creator_id).where(PdAssignment.pd_id == principal.id))
        return [principal.id, *creators]
    if principal.role is Role.creator:
        return [principal.id]
    return []
