"""Failed sign-ins are capped per account and per client address, across every API process.

An attempt is written (and committed) before its password is checked and deleted when the password
was right, so what stays in the window are failures and checks still running: parallel guesses
count before they finish. An attempt over either cap is refused without checking the password, and
is not itself kept, so the refusal ends when the window's oldest failure leaves it. A right
password also clears the account's earlier failures.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from shopcast.auth.models import SigninAttempt
from shopcast.db import transaction, utcnow
from shopcast.errors import RateLimited
from shopcast.settings import Settings

__all__ = ["account_key", "begin_attempt", "forget_failures"]


def account_key(name: str) -> str:
    return name.strip().casefold()[:100]


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
        session.execute(delete(SigninAttempt).where(SigninAttempt.at < since))
        attempt = SigninAttempt(account=account_key(name), address=address[:64], at=now)
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
                (SigninAttempt.id == attempt_id) | (SigninAttempt.account == account_key(name))
            )
        )
