"""Database engine and schema migrations.

SQLite is the embedded default (WAL, foreign keys, a busy timeout so the CLI and `serve` can write
to one file); PostgreSQL is supported through the same portable schema. The schema is owned by
Alembic: every start brings the database to the newest revision before anything else runs.

Actions on one incident are serialised (SPEC, record keeping). On PostgreSQL a command locks the
incident's row (`SELECT … FOR UPDATE`). On SQLite, where that is a no-op, every transaction takes
the database's write lock before its first read (`BEGIN IMMEDIATE`): pysqlite's own transaction
handling, which begins only at the first write and so lets two commands read the same state, is
switched off. Reads use `reading()`, a deferred transaction that never waits for a writer (WAL).
A database still busy after the timeout is a `Conflict`, like a lost serialisation on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session

from engine.errors import Conflict, InvalidInput

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_SECONDS = 10.0  # SQLite: how long a writer waits for the lock (URL `?timeout=`)
BEGIN = "sqlite_begin"  # execution option: how a SQLite transaction begins
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
PG_CONFLICTS = {"40001", "40P01", "55P03"}


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # no implicit BEGIN: `_sqlite_begin` emits it
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    mode = connection.get_execution_options().get(BEGIN, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def _busy_is_conflict(context: sa.engine.ExceptionContext) -> None:
    """A lock not granted in time (or a lost serialisation) is the caller's `conflict`: the
    command changed nothing and may be tried again."""
    orig = context.original_exception
    name = getattr(orig, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        raise Conflict(
            "the database is busy (another command holds it); nothing was recorded, try again"
        ) from orig
    if getattr(orig, "sqlstate", None) in PG_CONFLICTS:
        raise Conflict(
            "another command changed the same records at the same time; nothing "
            "was recorded, try again"
        ) from orig


def make_engine(url: str) -> sa.Engine:
    """The engine for `url`. SQL parameters are never rendered into errors or logs: they may hold
    a password hash or a person's details."""
    if url.startswith("sqlite"):
        given = sa.make_url(url).query.get("timeout", BUSY_TIMEOUT_SECONDS)
        try:
            timeout = float(given if isinstance(given, (str, float)) else given[-1])
        except ValueError:
            raise InvalidInput("db: the SQLite 'timeout' is not a number of seconds") from None
        engine = sa.create_engine(url, connect_args={"timeout": timeout}, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)
    sa.event.listen(engine, "handle_error", _busy_is_conflict)
    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: sa.Engine) -> None:
    """Upgrade the schema to the newest revision; a no-op (one query) when it is current."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def migrating(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection for schema changes, in one transaction. On SQLite, foreign keys are off
    while it runs: Alembic's batch mode rebuilds a table (copy, drop, rename), and dropping a
    table that other rows refer to would fail — or cascade — with them on. The references are
    checked before it commits, so a migration cannot leave one dangling."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside a transaction, where SQLite honours it
            connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA foreign_keys=OFF"
            )
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if dangling:
                        raise RuntimeError(f"migration left dangling references: {dangling[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                    "PRAGMA foreign_keys=ON"
                )


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[Session]:
    """One unit of work: it commits whole or not at all (on SQLite, under the write lock)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def reading(engine: sa.Engine) -> Iterator[Session]:
    """A read-only unit of work: one consistent snapshot that neither waits for a writer nor
    holds one up. Nothing it changes is committed."""
    with Session(
        engine.execution_options(**{BEGIN: "DEFERRED"}), expire_on_commit=False
    ) as session:
        yield session
