"""The PostgreSQL storage adapter, on the session's throwaway server (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork
from mallcore.testing.contracts import UnitOfWorkContract
from mallcore.testing.contracts.storage import NewUnitOfWork


@pytest.fixture
def database(postgres_dsn: str) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(postgres_dsn, max_size=4) as database:
        yield database


class TestPostgresStorage(UnitOfWorkContract):
    @pytest.fixture
    def new_uow(self, database: PostgresDatabase) -> NewUnitOfWork:
        return lambda: PostgresUnitOfWork(database)
