"""Alembic environment: runs on the connection the engine hands over, or on the configured URL."""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import engine.models  # noqa: F401  (registers the kernel's tables on SQLModel.metadata)

config = context.config
# The tables of the web side and of the workflow are theirs: for `--autogenerate`, name the
# composition root that imports them all (`alembic -x models=main revision --autogenerate`);
# a root that imports its parts lazily says so with a `load_all()`.
for module in context.get_x_argument(as_dictionary=True).get("models", "").split(","):
    if module:
        load_all = getattr(importlib.import_module(module), "load_all", None)
        if callable(load_all):
            load_all()
target_metadata = SQLModel.metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with sa.create_engine(config.get_main_option("sqlalchemy.url") or "").connect() as conn:
        _run(conn)
        conn.commit()
