"""`shopcast users`: people and their ways in: a password and one-time sign-in links for the
pages, an API token for programs, sign-outs, and which PD works for which creator."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from shopcast.settings import load_settings

users_app = typer.Typer(
    help="Users: passwords and sign-in links for the pages, API tokens for programs.", no_args_is_help=True
)


def _password_from(given: str | None, stdin: bool) -> tuple[str, bool]:
    """The password given (as an option, or one line of standard input), or a new one to print;
    and whether it is new."""
    from shopcast.auth.passwords import first_password

    if given is not None and stdin:
        raise typer.BadParameter("give --password or --password-stdin, not both")
    if given is not None:
        return given, False
    if stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return first_password(), True


_PASSWORD_STDIN = typer.Option(
    "--password-stdin", help="Read the password from standard input instead of printing a new one."
)
_PASSWORD = typer.Option(
    "--password", help="Set this password (it stays in the shell's history: --password-stdin does not)."
)


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Option(help="Unique user name.")],
    role: Annotated[str, typer.Option(help="creator, pd, partner or admin.")],
    password: Annotated[str | None, _PASSWORD] = None,
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Create a user with a password for the pages (a new one is printed, once, unless one is given)
    and an API token for programs, printed on the last line, once."""
    from shopcast.auth.models import Role
    from shopcast.auth.service import create_user
    from shopcast.db import transaction
    from shopcast.runtime import build_runtime

    try:
        parsed = Role(role)
    except ValueError as exc:
        raise typer.BadParameter("role must be creator, pd, partner or admin") from exc
    chosen, generated = _password_from(password, password_stdin)
    runtime = build_runtime(load_settings())
    with transaction(runtime.sessions) as session:
        user, token = create_user(session, name, parsed, chosen)
        typer.echo(f"created {parsed.value} {user.name} ({user.id})")
    if generated:
        typer.echo(f"first password: {chosen}")
    typer.echo(token)


@users_app.command("password")
def users_password(
    name: Annotated[str, typer.Option(help="The user's name.")],
    password: Annotated[str | None, _PASSWORD] = None,
    password_stdin: Annotated[bool, _PASSWORD_STDIN] = False,
) -> None:
    """Give a user a new password (a new one is printed unless one is given); their sessions and
    unused sign-in links end."""
    from shopcast.auth.signin import set_password
    from shopcast.db import transaction
    from shopcast.runtime import build_runtime

    chosen, generated = _password_from(password, password_stdin)
    runtime = build_runtime(load_settings())
    with transaction(runtime.sessions) as session:
        ended = set_password(session, name, chosen)
    typer.echo(f"{name} has a new password; {ended} signed-in session(s) ended")
    if generated:
        typer.echo(f"password: {chosen}")


@users_app.command("signin-link")
def users_signin_link(name: Annotated[str, typer.Option(help="The user's name.")]) -> None:
    """Print a link that signs the user in once, within SHOPCAST_SIGNIN_LINK_TTL_S."""
    from shopcast.auth.signin_links import create_signin_link
    from shopcast.db import transaction
    from shopcast.runtime import build_runtime

    runtime = build_runtime(load_settings())
    with transaction(runtime.sessions) as session:
        link, expires_at = create_signin_link(session, name, runtime.settings)
    typer.echo(f"works once, until {expires_at.isoformat(timespec='seconds')}:")
    typer.echo(link)


@users_app.command("signout")
def users_signout(name: Annotated[str, typer.Option(help="The user's name.")]) -> None:
    """End every signed-in session of the user and void their unused sign-in links (their API token
    keeps working)."""
    from sqlalchemy import select

    from shopcast.auth.models import User
    from shopcast.auth.signin_links import void_links_of
    from shopcast.auth.web_sessions import revoke_sessions_of
    from shopcast.db import transaction
    from shopcast.runtime import build_runtime

    runtime = build_runtime(load_settings())
    with transaction(runtime.sessions) as session:
        user_id = session.scalar(select(User.id).where(User.name == name))
        if user_id is None:
            raise typer.BadParameter(f"no user named {name!r}")
        ended = revoke_sessions_of(session, user_id)
        void_links_of(session, user_id)
    typer.echo(f"{ended} signed-in session(s) of {name} ended")


@users_app.command("assign")
def users_assign(
    pd: Annotated[str, typer.Option(help="The PD's user name.")],
    creator: Annotated[str, typer.Option(help="The creator's user name.")],
) -> None:
    """Let a PD see and work on a creator's objects."""
    from shopcast.auth.service import assign_pd
    from shopcast.db import transaction
    from shopcast.runtime import build_runtime

    runtime = build_runtime(load_settings())
    with transaction(runtime.sessions) as session:
        assign_pd(session, pd, creator)
    typer.echo(f"{pd} now works for {creator}")
