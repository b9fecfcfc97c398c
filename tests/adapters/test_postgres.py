"""The PostgreSQL storage adapter, on the session's throwaway server (tests/conftest.py)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from mallcore.adapters._migrations import LATEST, MIGRATIONS
from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork
from mallcore.catalog import Stock, StockHold
from mallcore.errors import (
    InvalidDocument,
    InvalidValue,
    NotFound,
    StaleVersion,
    Unavailable,
    WrongType,
)
from mallcore.loyalty import Member
from mallcore.money import Money
from mallcore.orders import Order, OrderLine
from mallcore.ports import ReadAhead
from mallcore.testing.contracts import UnitOfWorkContract
from mallcore.testing.contracts.storage import NewUnitOfWork
from tests.adapters._old_documents import HOLDS_EXPIRE, completed_documents, stock_with_holds
from tests.adapters.postgres_workers import buy, claim, open_database

SKU = "flash-sale-tea"
NOW = datetime(2026, 11, 11, tzinfo=UTC)
TEA = Money("30.00", "CNY")


@pytest.fixture
def database(postgres_dsn: str) -> Iterator[PostgresDatabase]:
    # A pool of fixed size, filled before the test: a pool that grows adds a connection from a
    # thread that draws from the global random (jitter), which Hypothesis reports as a flaky draw.
    with PostgresDatabase(postgres_dsn, min_size=3, max_size=3) as database:
        yield database


class TestPostgresStorage(UnitOfWorkContract):
    @pytest.fixture
    def new_uow(self, database: PostgresDatabase) -> NewUnitOfWork:
        return lambda: PostgresUnitOfWork(database)


def test_the_other_adapters_import_without_psycopg() -> None:
    code = "import sys, mallcore.adapters, mallcore.services; print('psycopg' in sys.modules)"

    imported = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert imported.stdout.strip() == "False"


def _stocked(database: PostgresDatabase, on_hand: int) -> None:
    with PostgresUnitOfWork(database) as uow:
        uow.stocks.save(Stock.for_sku(SKU, on_hand))
        uow.commit()


def _stock(database: PostgresDatabase) -> Stock:
    with PostgresUnitOfWork(database) as uow:
        return uow.stocks.get(SKU)


def _migrations(dsn: str) -> list[tuple[int, str]]:
    with psycopg.connect(dsn) as connection:
        rows = connection.execute("SELECT number, summary FROM mallcore_migrations ORDER BY 1")
        return [(int(number), summary) for number, summary in rows]


def test_opening_a_new_database_applies_every_migration_once(postgres_dsn: str) -> None:
    PostgresDatabase(postgres_dsn, min_size=0).close()
    PostgresDatabase(postgres_dsn, min_size=0).close()

    assert _migrations(postgres_dsn) == [(m.number, m.summary) for m in MIGRATIONS]


def test_four_processes_opening_a_new_database_at_once_migrate_it_once(postgres_dsn: str) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(4)
    workers = [context.Process(target=open_database, args=(postgres_dsn, start)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert [number for number, _ in _migrations(postgres_dsn)] == list(range(1, LATEST + 1))


def test_the_migrations_are_numbered_from_one_without_gaps() -> None:
    assert [migration.number for migration in MIGRATIONS] == list(range(1, LATEST + 1))


def test_a_database_that_does_not_exist_is_unavailable(postgres_server: str) -> None:
    dsn = make_conninfo(postgres_server, dbname="no_such_shop")

    with pytest.raises(Unavailable, match='database "no_such_shop" does not exist'):
        PostgresDatabase(dsn)


def test_a_malformed_dsn_is_unavailable_and_says_why() -> None:
    with pytest.raises(Unavailable, match='missing "="'):
        PostgresDatabase("shop database please")


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"min_size": 3, "max_size": 2}, "min_size, max_size"),
        ({"max_size": 0, "min_size": 0}, "max_size"),
        ({"min_size": "1"}, "min_size"),
        ({"max_size": 2.5}, "max_size"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"statement_timeout": -1.0}, "statement_timeout"),
        ({"statement_timeout": float("inf")}, "statement_timeout"),
        ({"check_after": -0.5}, "check_after"),
        ({"check_after": None}, "check_after"),
        ({"check_after": True}, "check_after"),
    ],
)
def test_impossible_pool_settings_are_refused_before_connecting(
    settings: dict[str, float], field: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        PostgresDatabase("host=/nowhere", **settings)  # type: ignore[arg-type]

    assert refused.value.field == field


def test_a_dsn_that_is_not_a_string_is_the_wrong_type() -> None:
    with pytest.raises(WrongType):
        PostgresDatabase(None)  # type: ignore[arg-type]


def test_a_unit_of_work_waiting_past_the_timeout_for_a_connection_is_unavailable(
    postgres_dsn: str,
) -> None:
    with PostgresDatabase(postgres_dsn, min_size=1, max_size=1, timeout=0.1) as database:
        _stocked(database, 5)
        with PostgresUnitOfWork(database) as holder:
            holder.stocks.get(SKU)

            with PostgresUnitOfWork(database) as waiter, pytest.raises(Unavailable) as refused:
                waiter.stocks.get(SKU)

    assert "PoolTimeout" in str(refused.value)


def _server_drops_connections(dsn: str) -> None:
    """The server ends every other session to the database, as a restart or failover would."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_a_connection_idle_past_check_after_is_checked_and_replaced_when_dropped(
    postgres_dsn: str,
) -> None:
    with PostgresDatabase(postgres_dsn, min_size=1, max_size=1, check_after=0) as database:
        _stocked(database, 5)
        _server_drops_connections(postgres_dsn)

        assert _stock(database).on_hand == 5


def test_a_connection_used_within_check_after_is_lent_unchecked_and_dropped_after_one_failure(
    postgres_dsn: str,
) -> None:
    with PostgresDatabase(postgres_dsn, min_size=1, max_size=1, check_after=60) as database:
        _stocked(database, 5)
        _server_drops_connections(postgres_dsn)

        with pytest.raises(Unavailable):
            _stock(database)
        assert _stock(database).on_hand == 5


def test_a_closed_database_makes_new_units_of_work_unavailable(postgres_dsn: str) -> None:
    database = PostgresDatabase(postgres_dsn, min_size=0)
    database.close()

    with PostgresUnitOfWork(database) as uow, pytest.raises(Unavailable, match="closed"):
        uow.stocks.get(SKU)


def test_holds_kept_in_stock_documents_by_migration_6_move_to_their_rows(
    postgres_dsn: str,
) -> None:
    PostgresDatabase(postgres_dsn, min_size=0).close()
    with psycopg.connect(postgres_dsn) as connection:
        connection.execute("DELETE FROM mallcore_migrations WHERE number >= 7")
        connection.execute("DROP TABLE stock_holds")
        connection.execute(
            "INSERT INTO stocks (sku_id, version, value) VALUES (%s, 4, %s)",
            (SKU, json.dumps(stock_with_holds(SKU))),
        )

    with (
        PostgresDatabase(postgres_dsn, min_size=0) as database,
        PostgresUnitOfWork(database) as uow,
    ):
        stock = uow.stocks.get(SKU)
        holds = uow.stock_holds.of_sku(SKU, limit=10)

    assert stock == Stock(SKU, on_hand=9, reserved=5, warning_threshold=1, version=4)
    assert holds == [
        StockHold(SKU, "O-object", 3, HOLDS_EXPIRE),
        StockHold(SKU, "O-row", 2, HOLDS_EXPIRE),
    ]


def test_completed_orders_before_migration_8_are_listed_for_settlement_after_it(
    postgres_dsn: str,
) -> None:
    PostgresDatabase(postgres_dsn, min_size=0).close()
    done, documents = completed_documents(SKU)
    with psycopg.connect(postgres_dsn) as connection:
        connection.execute("DELETE FROM mallcore_migrations WHERE number >= 8")
        connection.execute("DROP INDEX orders_by_settlement")
        connection.execute("ALTER TABLE orders DROP COLUMN settle_by_us")
        for order_id, document in documents.items():
            connection.execute(
                "INSERT INTO orders (id, version, status, pay_by_us, customer_id, placed_at_us,"
                " value) VALUES (%s, %s, 'completed', 0, 'alice', 0, %s)",
                (order_id, done.version, document),
            )
    assert done.after_sales_until is not None

    with (
        PostgresDatabase(postgres_dsn, min_size=0) as database,
        PostgresUnitOfWork(database) as uow,
    ):
        before = uow.orders.due_for_settlement(due_by=done.after_sales_until)
        after = uow.orders.due_for_settlement(due_by=done.after_sales_until + timedelta(seconds=1))

    assert (list(before), list(after)) == ([], ["O-done", "O-old"])


def test_a_database_without_the_schema_is_refused_when_not_migrating(postgres_dsn: str) -> None:
    with pytest.raises(Unavailable, match="no mallcore schema"):
        PostgresDatabase(postgres_dsn, migrate=False)

    with psycopg.connect(postgres_dsn) as connection:
        assert connection.execute("SELECT to_regclass('stocks')").fetchone() == (None,)


def test_a_database_migrated_by_a_newer_release_is_refused(postgres_dsn: str) -> None:
    PostgresDatabase(postgres_dsn, min_size=0).close()
    with psycopg.connect(postgres_dsn) as connection:
        connection.execute(
            "INSERT INTO mallcore_migrations (number, summary) VALUES (%s, 'from the future')",
            (LATEST + 1,),
        )

    for migrate in (True, False):
        with pytest.raises(Unavailable, match=f"at migration {LATEST + 1}, written by a newer"):
            PostgresDatabase(postgres_dsn, migrate=migrate)


def test_a_row_written_by_a_newer_release_is_an_invalid_document(
    database: PostgresDatabase, postgres_dsn: str
) -> None:
    _stocked(database, 5)
    with psycopg.connect(postgres_dsn) as connection:
        connection.execute(
            "UPDATE stocks SET value = jsonb_set(value::jsonb, '{shelf}', '\"A-3\"')::text"
        )

    with PostgresUnitOfWork(database) as uow, pytest.raises(InvalidDocument) as refused:
        uow.stocks.get(SKU)

    assert refused.value.source == f"stocks {SKU!r}"
    assert refused.value.problems == ("$: unknown fields ['shelf']",)


def test_stock_counts_written_by_hand_that_break_the_rules_are_an_invalid_document(
    database: PostgresDatabase, postgres_dsn: str
) -> None:
    _stocked(database, 5)
    with psycopg.connect(postgres_dsn) as connection:
        connection.execute("UPDATE stocks SET reserved = 9")

    with PostgresUnitOfWork(database) as uow, pytest.raises(InvalidDocument) as refused:
        uow.stocks.get(SKU)

    assert refused.value.source == f"stocks {SKU!r}"
    assert "on_hand=5, reserved=9" in refused.value.problems[0]


def test_a_row_locked_past_the_statement_timeout_makes_the_commit_unavailable(
    postgres_dsn: str,
) -> None:
    with PostgresDatabase(postgres_dsn, statement_timeout=0.2) as database:
        _stocked(database, 5)
        with psycopg.connect(postgres_dsn) as blocker:
            blocker.execute("SELECT * FROM stocks FOR UPDATE")

            with PostgresUnitOfWork(database) as uow:
                uow.stocks.save(uow.stocks.get(SKU).count(4)[0])
                with pytest.raises(Unavailable, match="statement timeout"):
                    uow.commit()

        with PostgresUnitOfWork(database) as uow:
            assert uow.stocks.get(SKU).on_hand == 5


def test_two_first_saves_of_one_key_race_and_the_second_commit_fails(
    database: PostgresDatabase,
) -> None:
    first, second = PostgresUnitOfWork(database), PostgresUnitOfWork(database)

    with first, second:
        first.stocks.save(Stock.for_sku(SKU, 5))
        second.stocks.save(Stock.for_sku(SKU, 9))
        first.commit()
        with pytest.raises(StaleVersion) as refused:
            second.commit()

    assert (refused.value.expected, refused.value.actual) == (-1, 0)
    with PostgresUnitOfWork(database) as uow:
        assert uow.stocks.get(SKU).on_hand == 5


class _Statements:
    """The statements and pipelines the test's connections send (not the pool's empty check)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[str] = []
        self.pipelines = 0
        execute, pipeline = psycopg.Connection.execute, psycopg.Connection.pipeline

        def counted(connection: Any, query: Any, *arguments: Any, **options: Any) -> Any:
            if query:
                self.sent.append(str(query))
            return execute(connection, query, *arguments, **options)

        def counted_pipeline(connection: Any) -> Any:
            self.pipelines += 1
            return pipeline(connection)

        monkeypatch.setattr(psycopg.Connection, "execute", counted)
        monkeypatch.setattr(psycopg.Connection, "pipeline", counted_pipeline)


_EVERY_READ = ReadAhead(
    orders=["O-1"],
    configuration=True,
    products_by_sku=[SKU],
    members=["alice"],
    coupons_of_customer=["alice"],
    stocks=[SKU],
)


def _every_read(uow: PostgresUnitOfWork) -> None:
    """Make each read :data:`_EVERY_READ` names (nothing is stored but the stock)."""
    for missing in (
        lambda: uow.orders.get("O-1"),
        uow.configuration.current,
        lambda: uow.products.get_by_sku(SKU),
        lambda: uow.members.get("alice"),
    ):
        with pytest.raises(NotFound):
            missing()
    assert list(uow.coupons.of_customer("alice")) == []
    assert uow.stocks.get(SKU).on_hand == 5


def test_reads_named_ahead_go_as_one_pipeline_and_each_is_served_once(
    database: PostgresDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stocked(database, 5)
    statements = _Statements(monkeypatch)

    with PostgresUnitOfWork(database) as uow:
        uow.lock()
        uow.read_ahead(_EVERY_READ)
        ahead = list(statements.sent)
        _every_read(uow)
        served = statements.sent[len(ahead) :]
        _every_read(uow)
        again = statements.sent[len(ahead) :]

    assert (ahead[0], len(ahead), statements.pipelines) == (
        "BEGIN ISOLATION LEVEL READ COMMITTED",
        7,
        1,
    )
    assert served == []
    assert [statement.split()[0] for statement in again] == ["SELECT"] * 6


def test_queries_not_read_ahead_run_beside_rows_read_ahead(database: PostgresDatabase) -> None:
    _stocked(database, 5)

    with PostgresUnitOfWork(database) as uow:
        uow.read_ahead(_EVERY_READ)
        assert uow.after_sales.open_cases() == []  # its parameter is a list, no dictionary key
        _every_read(uow)


def test_rows_read_ahead_by_a_locked_unit_of_work_stay_locked_until_it_ends(
    database: PostgresDatabase, postgres_dsn: str
) -> None:
    _stocked(database, 5)
    with PostgresUnitOfWork(database) as uow:
        uow.members.save(Member.register("alice", at=NOW)[0])
        uow.commit()
    lock_member = "SELECT 1 FROM members WHERE customer_id = 'alice' FOR UPDATE NOWAIT"

    with psycopg.connect(postgres_dsn, autocommit=True) as other:
        with PostgresUnitOfWork(database) as uow:
            uow.lock()
            uow.read_ahead(ReadAhead(members=["alice"]))
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(lock_member)
            assert uow.members.get("alice").customer_id == "alice"
        assert other.execute(lock_member).fetchall() == [(1,)]


def test_a_counter_commits_with_the_documents_saved_beside_it(database: PostgresDatabase) -> None:
    _stocked(database, 5)

    with PostgresUnitOfWork(database) as uow:
        uow.stocks.save(uow.stocks.get(SKU).count(4)[0])
        uow.counters.add("flash:tea:sold", 1, limit=1)
        uow.commit()

    with PostgresUnitOfWork(database) as uow:
        assert (uow.stocks.get(SKU).on_hand, uow.counters.value("flash:tea:sold")) == (4, 1)


def test_a_query_sees_pending_saves_beside_a_counter_change_and_commits_both(
    database: PostgresDatabase,
) -> None:
    order = Order(
        id="O-pending",
        customer_id="alice",
        currency="CNY",
        lines=[OrderLine(line_id="tea", sku_id=SKU, quantity=1, unit_payables=[TEA])],
        freight=Money.zero("CNY"),
        placed_at=NOW,
        pay_by=NOW + timedelta(minutes=30),
    )

    with PostgresUnitOfWork(database) as uow:
        uow.counters.add("coupon:C-1:uses", 1, limit=1)
        uow.orders.save(order)
        assert uow.orders.awaiting_payment(due_by=order.pay_by) == ["O-pending"]
        assert uow.counters.value("coupon:C-1:uses") == 1
        uow.commit()

    with PostgresUnitOfWork(database) as uow:
        assert uow.orders.awaiting_payment(due_by=order.pay_by) == ["O-pending"]
        assert uow.counters.value("coupon:C-1:uses") == 1


def test_four_processes_claiming_a_counter_never_pass_its_limit(postgres_dsn: str) -> None:
    PostgresDatabase(postgres_dsn, min_size=0).close()
    context = multiprocessing.get_context("spawn")
    processes, attempts, limit = 4, 10, 25
    start, won = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(
            target=claim, args=(postgres_dsn, start, "coupon:C-9:uses", attempts, limit, won)
        )
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    held = [won.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)

    assert [worker.exitcode for worker in workers] == [0] * processes
    assert sum(held) == limit
    with psycopg.connect(postgres_dsn) as connection:
        stored = connection.execute("SELECT value FROM counters").fetchall()
    assert stored == [(limit,)]


def test_processes_racing_for_the_last_units_never_oversell(postgres_dsn: str) -> None:
    with PostgresDatabase(postgres_dsn, min_size=0) as database:
        _stocked(database, 10)
    context = multiprocessing.get_context("spawn")
    processes, buyers_each = 4, 5
    start, won = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(
            target=buy,
            args=(postgres_dsn, start, SKU, [f"O-{p}-{b}" for b in range(buyers_each)], won),
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    bought = [order_id for _ in workers for order_id in won.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)

    assert [worker.exitcode for worker in workers] == [0] * processes
    with (
        PostgresDatabase(postgres_dsn, min_size=0) as database,
        PostgresUnitOfWork(database) as uow,
    ):
        stock = uow.stocks.get(SKU)
        holds = uow.stock_holds.of_sku(SKU, limit=50)
    assert len(bought) == 10
    assert stock.available == 0
    assert sorted(h.order_id for h in holds) == sorted(bought)
