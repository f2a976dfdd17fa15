"""Helpers for the PostgreSQL tests (fixtures live in conftest.py)."""

from __future__ import annotations

import sqlalchemy as sa


def fresh(pg_url: str) -> str:
    """The test server's database emptied (every table dropped), for a test of its own."""
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return pg_url
