"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import shopcast.models_index  # noqa: F401  (every table on Base.metadata)
from shopcast.db import Base, make_engine
from shopcast.migrations import upgrade
from shopcast.settings import Settings
from tests.harness.services import postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path)
        return
    with postgres_database() as url:
        yield Settings(data_dir=tmp_path, database_url=url)


def test_upgraded_database_matches_the_models(settings: Settings) -> None:
    upgrade(settings)
    engine = make_engine(settings)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "a model changed without a migration (or the reverse)"
