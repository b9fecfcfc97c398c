"""Storage benchmarks: save + commit and get of one order, in memory, SQLite and PostgreSQL.

Run with ``.venv/bin/python -m pytest benchmarks/test_storage.py --benchmark-only -q
--benchmark-columns=median,iqr,rounds``. The in-memory unit of work is the
baseline; the JSON round trip alone shows what serialization costs of the SQLite time.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork, SqliteUnitOfWork
from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork
from mallcore.money import Money
from mallcore.orders import Order, OrderLine
from mallcore.ports import UnitOfWork
from mallcore.shapes import dump_document, load_document

NOW = datetime(2026, 11, 11, 20, tzinfo=UTC)


def paid_order() -> Order:
    """A paid three-line order, one line of two units: a typical row."""
    lines = [
        OrderLine(
            line_id=f"L{n}",
            sku_id=f"tea-{n}",
            quantity=1 + n % 2,
            unit_payables=[Money.from_minor(1990 + 500 * n, "CNY")] * (1 + n % 2),
        )
        for n in range(3)
    ]
    order = Order(
        id="O-20261111-0001",
        customer_id="alice",
        currency="CNY",
        lines=lines,
        freight=Money("8.00", "CNY"),
        placed_at=NOW,
        pay_by=NOW + timedelta(minutes=30),
    )
    paid, _ = order.pay(payment_id="P-1", amount=order.payable, at=NOW)
    return attrs.evolve(paid, version=0)


ORDER = paid_order()
Opener = Callable[[], UnitOfWork]


@pytest.fixture(
    params=["in-memory", "sqlite file", "sqlite, one connection", "sqlite, NORMAL", "postgresql"]
)
def open_uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens units of work on one empty store of the kind named by the parameter.

    "sqlite file" opens a connection per unit of work; the other two keep one
    open, the last with ``synchronous = NORMAL`` (commits no longer wait for fsync).
    "postgresql" borrows from a pool of one connection, on a Unix socket.
    """
    path = tmp_path / "shop.sqlite3"
    if request.param == "postgresql":
        dsn = request.getfixturevalue("postgres_dsn")
        with PostgresDatabase(dsn, min_size=1, max_size=1) as database:
            yield lambda: PostgresUnitOfWork(database)
    elif request.param == "in-memory":
        store = InMemoryStore()
        yield lambda: InMemoryUnitOfWork(store)
    elif request.param == "sqlite file":
        yield lambda: SqliteUnitOfWork(path)
    else:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        if request.param == "sqlite, NORMAL":
            connection.execute("PRAGMA synchronous = NORMAL")
        yield lambda: SqliteUnitOfWork(lambda: connection)
        connection.close()


def test_save_and_commit_an_order(benchmark: BenchmarkFixture, open_uow: Opener) -> None:
    benchmark.group = "save + commit an order"
    versions = itertools.count()

    def save_next_version() -> None:
        with open_uow() as uow:
            uow.orders.save(attrs.evolve(ORDER, version=next(versions)))
            uow.commit()

    benchmark(save_next_version)

    with open_uow() as uow:
        assert uow.orders.get(ORDER.id).version == next(versions) - 1


def test_get_an_order(benchmark: BenchmarkFixture, open_uow: Opener) -> None:
    benchmark.group = "get an order"
    with open_uow() as uow:
        uow.orders.save(ORDER)
        uow.commit()

    def get() -> Order:
        with open_uow() as uow:
            return uow.orders.get(ORDER.id)

    assert benchmark(get) == ORDER


def test_json_round_trip_of_an_order(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "get an order"

    assert benchmark(lambda: load_document(dump_document(ORDER), Order)) == ORDER
