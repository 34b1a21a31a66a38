"""An API in this process, on its own SQLite database, for the sign-in tests: they set the client's
address, age sessions in the database and exhaust sign-in caps, which must not touch the shared
stacks (whose clients are all 127.0.0.1)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shopcast.app import create_app
from shopcast.auth.models import Role
from shopcast.auth.service import create_user
from shopcast.db import transaction
from shopcast.migrations import upgrade
from shopcast.runtime import Runtime
from shopcast.settings import Settings

PASSWORD = "a-long-enough-password"
WINDOW_S = 3
PER_ACCOUNT = 3
PER_ADDRESS = 6
_addresses = count(1)


@dataclass
class SigninApp:
    app: FastAPI
    runtime: Runtime
    names: count[int]

    def person(self, role: Role = Role.creator, password: str | None = PASSWORD) -> tuple[str, str]:
        """A new user; returns its name and API token."""
        name = f"person-{next(self.names)}"
        with transaction(self.runtime.sessions) as session:
            _user, token = create_user(session, name, role, password)
        return name, token

    def browser(self, base_url: str = "http://testserver") -> TestClient:
        """A client from an address of its own, with a cookie jar like a browser's."""
        n = next(_addresses)
        return TestClient(self.app, base_url=base_url, client=(f"198.51.100.{n % 250 + 1}", 40000 + n))


@pytest.fixture(scope="module")
def signin_app(tmp_path_factory: pytest.TempPathFactory) -> SigninApp:
    settings = Settings(
        data_dir=Path(tmp_path_factory.mktemp("signin")),
        dev=True,
        signin_window_s=WINDOW_S,
        signin_failures_per_account=PER_ACCOUNT,
        signin_failures_per_address=PER_ADDRESS,
    )
    upgrade(settings)
    app = create_app(settings)  # no lifespan: these routes need no live node
    return SigninApp(app, app.state.runtime, count(1))
