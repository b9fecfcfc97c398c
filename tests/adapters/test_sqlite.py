"""The SQLite storage adapter: the storage contract, its schema, and races between processes."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mallcore.adapters import SqliteUnitOfWork
from mallcore.adapters.sqlite import MIGRATIONS, SCHEMA_VERSION, memory_database
from mallcore.catalog import (
    DEFAULT_HOLD,
    Listing,
    ListingStatus,
    Product,
    Sku,
    Stock,
    StockHold,
    StockMovement,
    StockPolicy,
)
from mallcore.errors import (
    InvalidDocument,
    InvalidValue,
    NotFound,
    OutOfStock,
    StaleVersion,
    Unavailable,
)
from mallcore.money import Money
from mallcore.orders import OrderStatus
from mallcore.serialization import dumps
from mallcore.services._stock import hold_stock
from mallcore.testing.contracts import UnitOfWorkContract
from mallcore.testing.contracts.storage import NewUnitOfWork
from tests.adapters import _workers
from tests.adapters._old_documents import (
    HOLDS_EXPIRE,
    completed_documents,
    stock_with_holds,
    tea_order,
)

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


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"database": 5}, "database"),
        ({"timeout": "5"}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.5}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
    ],
)
def test_impossible_settings_are_refused_by_name_before_opening(
    tmp_path: Path, settings: dict[str, Any], field: str
) -> None:
    arguments = {"database": tmp_path / "shop.sqlite3", **settings}
    with pytest.raises(InvalidValue) as refused:
        SqliteUnitOfWork(**arguments)

    assert refused.value.field == field
    assert list(tmp_path.iterdir()) == []


def test_a_memory_database_with_an_impossible_timeout_is_refused_by_name() -> None:
    with pytest.raises(InvalidValue, match="timeout"):
        memory_database(timeout=None)  # type: ignore[arg-type]


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
    order = tea_order("O-pending")
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
                    hold_stock(
                        uow, uow.stocks.get(SKU), order_id, 1, NOW, hold=DEFAULT_HOLD, held=None
                    )
                    uow.commit()
                except OutOfStock:
                    break
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
        holds = uow.stock_holds.of_sku(SKU, limit=50)
    assert [worker.exitcode for worker in workers] == [0] * processes
    assert len(won) == min(10, processes * buyers_each)
    assert stock.available == 0
    assert sorted(h.order_id for h in holds) == sorted(won)


def _spawned(target: Callable[..., None], path: Path, count: int, *args: object) -> list[Any]:
    """Run ``target(path, barrier, *args, results)`` in ``count`` spawned processes."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(count)
    results = context.Queue()
    workers = [
        context.Process(target=target, args=(path, start, *args, results)) for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    collected = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join()
    assert [worker.exitcode for worker in workers] == [0] * count
    return collected


def test_sixteen_processes_starting_on_a_new_file_count_exactly_to_the_limit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"

    outcomes = _spawned(_workers.count_once, path, 16, "coupon:C-1:uses", 10)

    assert sorted(outcomes) == ["limit"] * 6 + ["ok"] * 10
    with SqliteUnitOfWork(path) as uow:
        assert uow.counters.value("coupon:C-1:uses") == 10


def test_processes_writing_one_stock_under_the_lock_never_meet_a_stale_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    _stocked(path, 0)

    stale = _spawned(_workers.restock_under_lock, path, 8, SKU, 30)

    assert stale == [0] * 8
    with SqliteUnitOfWork(path) as uow:
        assert (uow.stocks.get(SKU).on_hand, uow.stocks.get(SKU).version) == (240, 240)


def test_threads_each_with_a_unit_of_work_of_their_own_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    _stocked(path, 0)
    local = threading.local()

    def own_connection() -> sqlite3.Connection:
        if not hasattr(local, "connection"):
            local.connection = sqlite3.connect(path)
        connection: sqlite3.Connection = local.connection
        return connection

    def restock(database: Path | Callable[[], sqlite3.Connection]) -> None:
        uow = SqliteUnitOfWork(database, timeout=30)
        for _ in range(20):
            with uow:
                uow.lock()
                uow.stocks.save(uow.stocks.get(SKU).restock(1)[0])
                uow.commit()
        if callable(database):
            own_connection().close()

    databases = [path] * 3 + [own_connection] * 3
    threads = [threading.Thread(target=restock, args=(database,)) for database in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with SqliteUnitOfWork(path) as uow:
        assert uow.stocks.get(SKU).on_hand == 120


def test_a_connection_from_a_factory_is_configured_once(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "shop.sqlite3")
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    uow = SqliteUnitOfWork(lambda: connection, timeout=2.5)

    for on_hand in (5, 6):
        with uow:
            uow.stocks.save(Stock.for_sku(f"tea-{on_hand}", on_hand))
            uow.commit()

    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert connection.execute("PRAGMA busy_timeout").fetchone() == (2500,)
    assert connection.isolation_level is None
    assert sum("journal_mode = WAL" in statement for statement in statements) == 1
    connection.close()


def _release_2_database(path: Path) -> None:
    """A file as the previous release (schema 2) left it, with a paid and an unpaid deduction."""
    order = tea_order("O-old")
    price = Money("9.90", "CNY")
    product = Product.single(
        "tea",
        "Tea",
        "drinks",
        Sku("tea-1", {}, price, price),
        listing=Listing(ListingStatus.ON_SHELF),
    )
    stock = {
        "sku_id": "tea-1",
        "on_hand": 7,
        "policy": "deduct_on_order",
        "reservations": [],
        "deductions": [
            {"order_id": "O-paid", "quantity": 2, "paid": True},
            {"order_id": "O-old", "quantity": 1, "paid": False},
        ],
        "warning_threshold": 0,
        "version": 4,
    }
    with sqlite3.connect(path) as raw:
        for migration in MIGRATIONS[:2]:
            migration(raw)
        raw.execute("INSERT INTO products VALUES (?, ?)", ("tea", dumps(product, indent=None)))
        raw.execute("INSERT INTO product_skus VALUES ('tea-1', 'tea')")
        raw.execute("INSERT INTO stocks VALUES ('tea-1', 4, ?)", (json.dumps(stock),))
        raw.execute(
            "INSERT INTO orders VALUES ('O-old', 0, ?, 0, ?)",
            (order.status.value, dumps(order, indent=None)),
        )
        raw.execute("PRAGMA user_version = 2")
    raw.close()


def test_a_database_of_schema_version_2_is_upgraded_with_its_history_moved_out(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    _release_2_database(path)

    with SqliteUnitOfWork(path) as uow:
        stock = uow.stocks.get("tea-1")
        unpaid_hold = uow.stock_holds.get("tea-1", "O-old")
        movement = uow.stock_movements.get("tea-1", "O-paid")
        shelved = uow.products.in_category("drinks", status=ListingStatus.ON_SHELF, limit=10)
        of_alice = uow.orders.of_customer("alice", limit=10)
        unpaid = uow.orders.with_status(OrderStatus.AWAITING_PAYMENT, limit=10)

    assert (stock.policy, stock.on_hand, stock.version) == (StockPolicy.DEDUCT_ON_ORDER, 7, 4)
    assert stock.reserved == 0
    assert unpaid_hold == StockHold("tea-1", "O-old", 1)
    assert movement == StockMovement("tea-1", "O-paid", 2, None)
    assert [p.id for p in shelved] == ["tea"]
    assert [o.id for o in of_alice] == [o.id for o in unpaid] == ["O-old"]
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    raw.close()


def test_holds_kept_in_stock_documents_by_schema_7_move_to_their_rows(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    documents = {
        "tea-1": stock_with_holds("tea-1"),
        "cup-1": {
            "sku_id": "cup-1",
            "on_hand": 6,
            "policy": "deduct_on_order",
            "reservations": [],
            "deductions": [["O-taken", 1]],
            "version": 2,
        },
    }
    with sqlite3.connect(path) as raw:
        for migration in MIGRATIONS[:10]:
            migration(raw)
        for sku_id, document in documents.items():
            raw.execute(
                "INSERT INTO stocks VALUES (?, ?, ?)",
                (sku_id, document["version"], json.dumps(document)),
            )
        raw.execute("PRAGMA user_version = 7")
    raw.close()

    with SqliteUnitOfWork(path) as uow:
        tea, cup = uow.stocks.get("tea-1"), uow.stocks.get("cup-1")
        holds = [
            *uow.stock_holds.of_sku("tea-1", limit=10),
            *uow.stock_holds.of_sku("cup-1", limit=10),
        ]

    assert tea == Stock("tea-1", on_hand=9, reserved=5, warning_threshold=1, version=4)
    assert cup == Stock("cup-1", on_hand=6, policy=StockPolicy.DEDUCT_ON_ORDER, version=2)
    assert holds == [
        StockHold("tea-1", "O-object", 3, HOLDS_EXPIRE),
        StockHold("tea-1", "O-row", 2, HOLDS_EXPIRE),
        StockHold("cup-1", "O-taken", 1),
    ]


def test_completed_orders_of_schema_8_are_listed_for_settlement_after_the_upgrade(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    done, documents = completed_documents()
    with sqlite3.connect(path) as raw:
        for migration in MIGRATIONS[:12]:
            migration(raw)
        for order_id, document in documents.items():
            raw.execute(
                "INSERT INTO orders (id, version, status, pay_by_us, customer_id, placed_at_us,"
                " value) VALUES (?, ?, 'completed', 0, 'alice', 0, ?)",
                (order_id, done.version, document),
            )
        raw.execute("PRAGMA user_version = 8")
    raw.close()
    assert done.after_sales_until is not None

    with SqliteUnitOfWork(path) as uow:
        before = uow.orders.due_for_settlement(due_by=done.after_sales_until)
        after = uow.orders.due_for_settlement(due_by=done.after_sales_until + timedelta(seconds=1))

    assert (list(before), list(after)) == ([], ["O-done", "O-old"])


def test_stock_counts_written_by_hand_that_break_the_rules_are_an_invalid_document(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    _stocked(path, 5)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE stocks SET reserved = 9")
    raw.close()

    with SqliteUnitOfWork(path) as uow, pytest.raises(InvalidDocument) as refused:
        uow.stocks.get(SKU)

    assert refused.value.source == f"stocks {SKU!r}"
    assert "reserved" in refused.value.problems[0]
    assert "on_hand=5, reserved=9" in refused.value.problems[0]
