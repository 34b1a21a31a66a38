"""Alembic environment: migrate the database named in the config with the models' metadata."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import shopcast.models_index  # noqa: F401  (imports every model so metadata is complete)
from shopcast.db import Base

config = context.config
connectable = engine_from_config(
    config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
)
with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
