"""A database error never renders its SQL parameters (they may hold a password hash or a
person's details), in the message or in a log line made from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.db import make_engine


def test_database_errors_hide_their_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (name TEXT UNIQUE)")
        connection.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": "$argon2id$secret-hash"})
    with pytest.raises(sa.exc.IntegrityError) as caught, engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": "$argon2id$secret-hash"})
    assert "secret-hash" not in str(caught.value)
    assert "parameters hidden" in str(caught.value)
