"""Failed sign-ins are capped per account and per client address, across every API process.

An attempt is written (and committed) before its password is checked and deleted when the password
was right, so what stays in the window are failures and checks still running: parallel guesses
count before they finish. Recording is serialised (SQLite's write lock; on PostgreSQL a
transaction-level advisory lock), so no two attempts count without seeing each other, whichever
API process they reach. An attempt over either cap is refused without checking the password, and
is not itself kept, so the refusal ends when the window's oldest failure leaves it. A right
password also clears the account's earlier failures.

The account is the name as typed (names are looked up exactly); the address is the client's, or
its /64 for IPv6, where one subscriber holds a whole /64.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from shopcast.auth.models import SigninAttempt
from shopcast.db import transaction, utcnow
from shopcast.errors import RateLimited
from shopcast.settings import Settings

__all__ = ["address_key", "begin_attempt", "forget_failures"]

_ATTEMPTS_LOCK = 0x5C51_6E01  # pg_advisory_xact_lock key: recording sign-in attempts


def _account_key(name: str) -> str:
    return name[:100]


def address_key(address: str) -> str:
    """What the per-address cap counts: the address, or its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _count(session: Session, where: ColumnElement[bool], since: datetime) -> tuple[int, datetime | None]:
    row = session.execute(
        select(func.count(), func.min(SigninAttempt.at)).where(where, SigninAttempt.at >= since)
    ).one()
    return int(row[0]), row[1]


def begin_attempt(sessions: sessionmaker[Session], name: str, address: str, settings: Settings) -> str:
    """Record a sign-in about to be checked; returns its id, or raises RateLimited (with Retry-After)
    when the account or the address has had too many failures in the window."""
    now = utcnow()
    window = timedelta(seconds=settings.signin_window_s)
    since = now - window
    with transaction(sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ATTEMPTS_LOCK})
        session.execute(delete(SigninAttempt).where(SigninAttempt.at < since))
        attempt = SigninAttempt(account=_account_key(name), address=address_key(address), at=now)
        session.add(attempt)
        session.flush()
        caps = (
            (SigninAttempt.account == attempt.account, settings.signin_failures_per_account),
            (SigninAttempt.address == attempt.address, settings.signin_failures_per_address),
        )
        for where, cap in caps:
            count, oldest = _count(session, where, since)
            if count > cap:  # raising rolls the attempt back: a refused attempt is not kept
                wait = math.ceil(((oldest or now) + window - now).total_seconds())
                raise _throttled(max(1, wait))
        return attempt.id


def _throttled(wait_s: int) -> RateLimited:
    return RateLimited(
        f"too many failed sign-ins: try again in {wait_s} s",
        code="signin_throttled",
        headers={"Retry-After": str(wait_s)},
    )


def forget_failures(sessions: sessionmaker[Session], attempt_id: str, name: str) -> None:
    """The password was right: drop this attempt and the account's earlier failures."""
    with transaction(sessions) as session:
        session.execute(
            delete(SigninAttempt).where(
                (SigninAttempt.id == attempt_id) | (SigninAttempt.account == _account_key(name))
            )
        )
