"""The PostgreSQL storage adapter, on the session's throwaway server (tests/conftest.py)."""

from __future__ import annotations

import psycopg


def test_each_test_gets_a_new_empty_database(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()

    assert tables == (0,)
