"""The SQLite storage adapter: the storage contract, its schema, and races between processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mallcore.adapters import SqliteUnitOfWork
from mallcore.adapters.sqlite import SCHEMA_VERSION, memory_database
from mallcore.catalog import Product, Sku, Stock
from mallcore.errors import InvalidValue, NotFound, OutOfStock, StaleVersion, Unavailable
from mallcore.money import Money
from mallcore.orders import Order, OrderLine
from mallcore.testing.contracts import UnitOfWorkContract
from mallcore.testing.contracts.storage import NewUnitOfWork

NOW = datetime(2026, 11, 11, tzinfo=UTC)
SKU = "flash-sale-tea"


class TestSqliteFileStorage(UnitOfWorkContract):
    @pytest.fixture
    def new_uow(self, tmp_path: Path) -> NewUnitOfWork:
        path = tmp_path / "shop.sqlite3"
        return lambda: SqliteUnitOfWork(path)


class TestSqliteMemoryStorage(UnitOfWorkContract):
    @pytest.fixture
    def new_uow(self) -> Iterator[NewUnitOfWork]:
        connect = memory_database()
        yield lambda: SqliteUnitOfWork(connect)
        connect().close()


def _stocked(path: Path, on_hand: int) -> None:
    with SqliteUnitOfWork(path) as uow:
        uow.stocks.save(Stock.for_sku(SKU, on_hand))
        uow.commit()


def test_a_new_file_gets_the_schema_version_and_wal_journal(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"

    _stocked(path, 5)

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_master")}
    raw.close()
    assert {"products", "product_skus", "stocks", "orders", "order_waybills"} <= tables


def test_a_plain_memory_path_is_refused_because_nothing_would_be_shared() -> None:
    with pytest.raises(InvalidValue, match="memory_database"):
        SqliteUnitOfWork(":memory:")


def test_two_first_saves_of_one_key_race_and_the_second_commit_fails(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    first, second = SqliteUnitOfWork(path), SqliteUnitOfWork(path)

    with first, second:
        first.stocks.save(Stock.for_sku(SKU, 5))
        second.stocks.save(Stock.for_sku(SKU, 9))
        first.commit()
        with pytest.raises(StaleVersion) as refused:
            second.commit()

    assert (refused.value.expected, refused.value.actual) == (-1, 0)
    with SqliteUnitOfWork(path) as uow:
        assert uow.stocks.get(SKU).on_hand == 5


def test_a_writer_holding_the_lock_past_the_timeout_makes_the_database_unavailable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    _stocked(path, 5)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")

    with SqliteUnitOfWork(path, timeout=0.05) as uow:
        uow.stocks.save(uow.stocks.get(SKU).count(4)[0])
        with pytest.raises(Unavailable, match="database is locked"):
            uow.commit()

    blocker.execute("ROLLBACK")
    blocker.close()
    with SqliteUnitOfWork(path) as uow:
        assert uow.stocks.get(SKU).on_hand == 5


def test_queries_see_the_unit_of_works_own_pending_saves_and_nobody_elses(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    tea = Money("30.00", "CNY")
    order = Order(
        id="O-pending",
        customer_id="alice",
        currency="CNY",
        lines=[OrderLine(line_id="tea", sku_id="tea-1", quantity=1, unit_payables=[tea])],
        freight=Money.zero("CNY"),
        placed_at=NOW,
        pay_by=NOW + timedelta(minutes=30),
    )
    price = Money("9.90", "CNY")
    product = Product.single("tea", "Tea", "drinks", Sku("tea-1", {}, price, price))

    with SqliteUnitOfWork(path) as writer, SqliteUnitOfWork(path) as reader:
        writer.orders.save(order)
        writer.products.save(product)

        assert writer.orders.awaiting_payment(due_by=order.pay_by) == ["O-pending"]
        assert writer.products.get_by_sku("tea-1") == product
        assert reader.orders.awaiting_payment(due_by=order.pay_by) == []
        with pytest.raises(NotFound):
            reader.products.get_by_sku("tea-1")

    with SqliteUnitOfWork(path) as uow:
        assert uow.orders.awaiting_payment(due_by=order.pay_by) == []


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    path.write_text("not a database, just a note\n" * 100, encoding="utf-8")

    with SqliteUnitOfWork(path) as uow, pytest.raises(Unavailable, match="not a database"):
        uow.stocks.get(SKU)


def _buy(path: Path, start: object, buyers: list[str]) -> list[str]:
    """Reserve one unit for each buyer, retrying lost races; the buyers who got one."""
    start.wait()  # type: ignore[attr-defined]
    won = []
    for order_id in buyers:
        while True:
            with SqliteUnitOfWork(path, timeout=10) as uow:
                try:
                    stock, _ = uow.stocks.get(SKU).reserve(order_id, 1, NOW)
                except OutOfStock:
                    break
                try:
                    uow.stocks.save(stock)
                    uow.commit()
                except StaleVersion:
                    continue
                won.append(order_id)
                break
    return won


def _buyer_process(path: Path, start: object, buyers: list[str], results: object) -> None:
    results.put(_buy(path, start, buyers))  # type: ignore[attr-defined]


def test_processes_racing_for_the_last_units_never_oversell(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    _stocked(path, 10)
    # fork, not spawn: a spawned child re-imports pytest and Hypothesis, seconds per process.
    context = multiprocessing.get_context("fork")
    processes, buyers_each = 8, 4
    start = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(
            target=_buyer_process,
            args=(path, start, [f"O-{p}-{b}" for b in range(buyers_each)], results),
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    won = [order_id for _ in workers for order_id in results.get(timeout=30)]
    for worker in workers:
        worker.join()

    with SqliteUnitOfWork(path) as uow:
        stock = uow.stocks.get(SKU)
    assert [worker.exitcode for worker in workers] == [0] * processes
    assert len(won) == min(10, processes * buyers_each)
    assert stock.available == 0
    assert sorted(r.order_id for r in stock.reservations) == sorted(won)
