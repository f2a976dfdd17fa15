"""Actions on one incident are serialised on PostgreSQL too (the incident's row is locked
`FOR UPDATE`): two processes racing contradictory actions never both apply."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tests.race import new_service, race_contradictory

NOW = datetime.fromisoformat("2026-03-02T09:00:00+08:00")


def test_contradictory_actions_from_two_processes_never_both_apply_on_postgres(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    service = new_service(pg_url, NOW)
    assert race_contradictory(service, NOW, 50) == (0, [])
