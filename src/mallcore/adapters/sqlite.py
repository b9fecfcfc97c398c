"""SQLite storage: the embedded default, one database file shared by threads and processes.

Schema, numbered in ``PRAGMA user_version`` and upgraded by :data:`MIGRATIONS`
(applied in order from the stored version up to :data:`SCHEMA_VERSION`, in one
write transaction, so processes starting at once upgrade it once):

1. ``products(id, value)``, with ``product_skus(sku_id, product_id)`` for
   ``get_by_sku``; ``stocks(sku_id, version, value)``; ``orders(id, version,
   status, pay_by_us, value)`` indexed on ``(status, pay_by_us)``, with
   ``order_waybills(waybill, order_id)`` for ``get_by_waybill``.
2. ``points_accounts(account_id, version, value)``.
3. ``products.category_id``, ``products.status`` (indexed for ``in_category``);
   ``orders.customer_id``, ``orders.placed_at_us`` (indexed for
   ``of_customer`` and ``with_status``); ``configurations(version, value)``;
   ``counters(key, value)``; ``members(customer_id, version, birth_month,
   birth_day, registered_us, value)``; ``stock_movements(sku_id, order_id,
   value)`` keyed on both ids. Paid deductions stored inside schema-2 stock
   documents move to ``stock_movements`` (their time was not recorded: ``at``
   is None).
4. ``coupon_templates(id, version, code, value)`` indexed on the shared
   ``code``; ``coupon_codes(code, template_id)`` for generated codes;
   ``coupons(id, version, customer_id, value)`` indexed on the customer.
5. ``outbox(position, id, aggregate_kind, aggregate_id, sequence,
   occurred_at, kind, payload, published_us)``: the events committed with
   the state, ``position`` their order of appending, unique on the id and on
   (aggregate, sequence), indexed for claims and purges on
   ``(published_us, position)``; ``outbox_sequences(aggregate_kind,
   aggregate_id, sequence)``, the last sequence of each aggregate, kept when
   its envelopes are purged. ``payload`` is the event as
   :func:`mallcore.shapes.dump_event_document` writes it, ``kind`` its tag.
6. ``payments(id, version, order_id, first_us, value)`` indexed on
   ``(order_id, first_us, id)`` for ``of_order`` (``first_us``: when the
   payment was first recorded, started or received). Order documents gained
   per-package ``delivered_at`` and ``after_sales_until``; documents written
   before are upgraded as they are read (:mod:`mallcore.shapes`).
7. ``after_sales_cases(id, version, order_id, status, requested_us, value)``
   indexed on ``(order_id, requested_us, id)`` and ``(status, id)``.
8. ``stock_holds(sku_id, order_id, quantity, expires_us)``
   (:mod:`mallcore.adapters._holds`): the unpaid orders' holds, moved out of
   the stock documents, which keep their sum as ``reserved``.
9. ``orders.settle_by_us`` indexed with ``id`` (``due_for_settlement``): a
   completed, unsettled order's after-sales deadline, NULL otherwise.
10. ``stocks.on_hand``, ``stocks.reserved``, ``stocks.policy``: the counts
    a commit moves in place (:mod:`mallcore.adapters._stocks`); they, and
    ``version``, win over the counts in the stock's ``value``.

``value`` is the aggregate as JSON written by :mod:`mallcore.serialization`,
with its shape (:mod:`mallcore.shapes`: older shapes are upgraded as they are
read, a newer one is refused with :class:`~mallcore.errors.NewerShape`);
the other columns are copies of the few fields the queries filter on. Times
in columns (``*_us``) are microseconds since the Unix epoch, exact and ordered
whatever the value's time zone.

Theory of operation:

- Reads run outside any transaction, so each sees what is committed now
  (read committed), after the unit of work's own pending saves.
- ``save`` checks the version against what this unit of work sees (its own
  pending save, else the committed row) and keeps the value in memory.
  Nothing is written before ``commit``, so two units of work open in one
  thread never wait for each other's locks.
- ``commit`` takes the write lock with ``BEGIN IMMEDIATE`` (waiting up to
  ``timeout`` seconds, then :class:`~mallcore.errors.Unavailable`) and lets
  the database decide each conflict: ``UPDATE ... WHERE key = ? AND version
  = ?`` must change one row, and a version-0 ``INSERT`` must not hit an
  existing key. Otherwise it rolls back, keeps nothing and raises
  :class:`~mallcore.errors.StaleVersion`. Products carry no version: the last
  commit wins.
- Counters are added in the same transaction, one statement each:
  ``UPDATE counters SET value = value + :amount WHERE key = :key AND value +
  :amount BETWEEN 0 AND :limit`` (after inserting a zero row if there is none;
  :mod:`mallcore.adapters._tables`, shared with PostgreSQL); an update that
  changes no row rolls everything back and raises
  :class:`~mallcore.errors.LimitReached`.
- ``lock()`` runs ``BEGIN IMMEDIATE`` at once: later reads happen inside that
  write transaction, which ``commit`` or ``rollback`` ends. Other writers wait
  for it (up to ``timeout``), so a read-decide-write command never loses its
  race with StaleVersion.
- The outbox's appends, marks and purge are written last in the commit's
  transaction. A claim takes the write lock first (``lock()``), so one
  relay at a time holds the unpublished envelopes, until it commits.
- A query (``awaiting_payment``, ``get_by_sku`` ...) made while saves are
  pending writes them inside a transaction (a savepoint when locked) that it
  rolls back after the ``SELECT``, so one SQL statement answers with or
  without pending saves.

Connections are configured once each: autocommit (transactions are begun
explicitly), ``busy_timeout`` of ``timeout``, WAL journal mode for files (so
readers never block the writer), and the schema checked. That holds for
connections from a factory too. A connection serves one thread: the
threaded set-up is one :class:`SqliteUnitOfWork` per thread, built from the
path (each ``with`` block opens its own connection) or from a factory that
gives each thread its own connection (docs/adapters.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Generic, Self, TypeVar

from mallcore._fields import seconds
from mallcore.adapters._holds import HOLD_TABLE, SqlStockHolds, split_stock_document
from mallcore.adapters._layouts import (
    AFTER_SALES,
    COUPON_TEMPLATES,
    COUPONS,
    MEMBERS,
    ORDERS,
    PAYMENTS,
    POINTS,
    PRODUCTS,
    Layout,
    microseconds,
)
from mallcore.adapters._sql import Check
from mallcore.adapters._stocks import SqlStocks
from mallcore.adapters._tables import (
    SqlConfigurations,
    SqlCounters,
    SqlCouponCodes,
    SqlStockMovements,
)
from mallcore.catalog import ListingStatus, Product, Stock, StockMovement
from mallcore.coupons import CouponInstance, CouponTemplate
from mallcore.errors import InvalidValue, NotFound, StaleVersion, Unavailable, WrongType
from mallcore.loyalty import Member, PointsAccount
from mallcore.orders import OPEN_CASES, AfterSalesCase, Order, OrderStatus, Payment
from mallcore.ports.outbox import OutboxEvent, check_place
from mallcore.ports.storage import ReadAhead, page_bounds
from mallcore.shapes import (
    dump_document,
    dump_event_document,
    load_document,
    load_event_document,
)

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SqliteAfterSales",
    "SqliteCouponTemplates",
    "SqliteCoupons",
    "SqliteMembers",
    "SqliteOrders",
    "SqliteOutbox",
    "SqlitePayments",
    "SqlitePoints",
    "SqliteProducts",
    "SqliteStocks",
    "SqliteUnitOfWork",
    "memory_database",
]


V = TypeVar("V")
ConnectionFactory = Callable[[], sqlite3.Connection]
Migration = Callable[[sqlite3.Connection], None]


def _statements(*sql: str) -> Migration:
    """A migration that runs ``sql`` in order."""

    def run(connection: sqlite3.Connection) -> None:
        for statement in sql:
            connection.execute(statement)

    return run


def _copy_columns_from_documents(connection: sqlite3.Connection) -> None:
    """Fill schema 3's query columns from the stored documents."""
    for product_id, text in connection.execute("SELECT id, value FROM products").fetchall():
        document = json.loads(text)
        connection.execute(
            "UPDATE products SET category_id = ?, status = ? WHERE id = ?",
            (document["category_id"], document["listing"]["status"], product_id),
        )
    for order_id, text in connection.execute("SELECT id, value FROM orders").fetchall():
        document = json.loads(text)
        placed_at = datetime.fromisoformat(document["placed_at"])
        connection.execute(
            "UPDATE orders SET customer_id = ?, placed_at_us = ? WHERE id = ?",
            (document["customer_id"], microseconds(placed_at), order_id),
        )


def _move_paid_deductions(connection: sqlite3.Connection) -> None:
    """Schema 2 kept paid orders' deductions in the stock: make each a movement."""
    for sku_id, text in connection.execute("SELECT sku_id, value FROM stocks").fetchall():
        document = json.loads(text)
        deductions = document.get("deductions", [])
        for deduction in deductions:
            if deduction["paid"]:
                movement = StockMovement(sku_id, deduction["order_id"], deduction["quantity"])
                connection.execute(
                    "INSERT INTO stock_movements (sku_id, order_id, value) VALUES (?, ?, ?)",
                    (sku_id, movement.order_id, dump_document(movement)),
                )
        document["deductions"] = [
            {"order_id": d["order_id"], "quantity": d["quantity"]}
            for d in deductions
            if not d["paid"]
        ]
        connection.execute(
            "UPDATE stocks SET value = ? WHERE sku_id = ?", (json.dumps(document), sku_id)
        )


def _move_holds(connection: sqlite3.Connection) -> None:
    """Schema 7 kept the unpaid orders' holds in the stock documents: make each a row."""
    for sku_id, text in connection.execute("SELECT sku_id, value FROM stocks").fetchall():
        document, holds = split_stock_document(json.loads(text))
        connection.executemany(
            "INSERT OR REPLACE INTO stock_holds (sku_id, order_id, quantity, expires_us)"
            " VALUES (?, ?, ?, ?)",
            holds,
        )
        connection.execute(
            "UPDATE stocks SET value = ? WHERE sku_id = ?", (json.dumps(document), sku_id)
        )


def _fill_settlement_column(connection: sqlite3.Connection) -> None:
    """Schema 9's ``settle_by_us`` for each completed order, read as this release reads it.

    Reading through the order's shapes gives the oldest documents, which
    have no ``after_sales_until``, the deadline their upgrader works out.
    """
    rows = connection.execute("SELECT id, value FROM orders WHERE status = 'completed'").fetchall()
    for order_id, text in rows:
        order = load_document(text, Order, source=f"orders {order_id!r}")
        connection.execute(
            "UPDATE orders SET settle_by_us = ? WHERE id = ?",
            (ORDERS.columns(order)["settle_by_us"], order_id),
        )


def _fill_stock_columns(connection: sqlite3.Connection) -> None:
    """Schema 10's count columns for each stock, read as this release reads its document."""
    for sku_id, text in connection.execute("SELECT sku_id, value FROM stocks").fetchall():
        stock = load_document(text, Stock, source=f"stocks {sku_id!r}")
        connection.execute(
            "UPDATE stocks SET on_hand = ?, reserved = ?, policy = ? WHERE sku_id = ?",
            (stock.on_hand, stock.reserved, stock.policy.value, sku_id),
        )


MIGRATIONS: Final[tuple[Migration, ...]] = (
    _statements(
        "CREATE TABLE products (id TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE product_skus (sku_id TEXT PRIMARY KEY, product_id TEXT NOT NULL)",
        "CREATE INDEX product_skus_by_product ON product_skus (product_id)",
        "CREATE TABLE stocks (sku_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " value TEXT NOT NULL)",
        "CREATE TABLE orders (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " status TEXT NOT NULL, pay_by_us INTEGER NOT NULL, value TEXT NOT NULL)",
        "CREATE INDEX orders_by_status ON orders (status, pay_by_us, id)",
        "CREATE TABLE order_waybills (waybill TEXT PRIMARY KEY, order_id TEXT NOT NULL)",
        "CREATE INDEX order_waybills_by_order ON order_waybills (order_id)",
    ),
    _statements(
        "CREATE TABLE points_accounts"
        " (account_id TEXT PRIMARY KEY, version INTEGER NOT NULL, value TEXT NOT NULL)",
    ),
    _statements(
        "ALTER TABLE products ADD COLUMN category_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE products ADD COLUMN status TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE orders ADD COLUMN customer_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE orders ADD COLUMN placed_at_us INTEGER NOT NULL DEFAULT 0",
        "CREATE TABLE configurations (version INTEGER PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "CREATE TABLE members (customer_id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " birth_month INTEGER, birth_day INTEGER, registered_us INTEGER NOT NULL,"
        " value TEXT NOT NULL)",
        "CREATE TABLE stock_movements (sku_id TEXT NOT NULL, order_id TEXT NOT NULL,"
        " value TEXT NOT NULL, PRIMARY KEY (sku_id, order_id)) WITHOUT ROWID",
    ),
    _copy_columns_from_documents,
    _move_paid_deductions,
    _statements(
        "CREATE INDEX products_by_category ON products (category_id, status, id)",
        "CREATE INDEX orders_by_customer ON orders (customer_id, placed_at_us, id)",
        "CREATE INDEX orders_by_status_placed ON orders (status, placed_at_us, id)",
        "CREATE INDEX members_by_birthday ON members (birth_month, birth_day, customer_id)",
        "CREATE INDEX members_by_registration ON members (registered_us, customer_id)",
    ),
    _statements(
        "CREATE TABLE coupon_templates (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " code TEXT, value TEXT NOT NULL)",
        "CREATE INDEX coupon_templates_by_code ON coupon_templates (code)",
        "CREATE TABLE coupon_codes (code TEXT PRIMARY KEY, template_id TEXT NOT NULL)"
        " WITHOUT ROWID",
        "CREATE TABLE coupons (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " customer_id TEXT NOT NULL, value TEXT NOT NULL)",
        "CREATE INDEX coupons_by_customer ON coupons (customer_id, id)",
    ),
    _statements(
        "CREATE TABLE outbox (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " aggregate_kind TEXT NOT NULL, aggregate_id TEXT NOT NULL, sequence INTEGER NOT NULL,"
        " occurred_at TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,"
        " published_us INTEGER, UNIQUE (aggregate_kind, aggregate_id, sequence))",
        "CREATE INDEX outbox_by_publication ON outbox (published_us, position)",
        "CREATE TABLE outbox_sequences (aggregate_kind TEXT NOT NULL,"
        " aggregate_id TEXT NOT NULL, sequence INTEGER NOT NULL,"
        " PRIMARY KEY (aggregate_kind, aggregate_id)) WITHOUT ROWID",
    ),
    _statements(
        "CREATE TABLE payments (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " order_id TEXT NOT NULL, first_us INTEGER NOT NULL, value TEXT NOT NULL)",
        "CREATE INDEX payments_by_order ON payments (order_id, first_us, id)",
    ),
    _statements(
        "CREATE TABLE after_sales_cases (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
        " order_id TEXT NOT NULL, status TEXT NOT NULL, requested_us INTEGER NOT NULL,"
        " value TEXT NOT NULL)",
        "CREATE INDEX after_sales_by_order ON after_sales_cases (order_id, requested_us, id)",
        "CREATE INDEX after_sales_by_status ON after_sales_cases (status, id)",
    ),
    _statements(*HOLD_TABLE),
    _move_holds,
    _statements(
        "ALTER TABLE orders ADD COLUMN settle_by_us INTEGER",
        "CREATE INDEX orders_by_settlement ON orders (settle_by_us, id)",
    ),
    _fill_settlement_column,
    _statements(
        "ALTER TABLE stocks ADD COLUMN on_hand INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE stocks ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE stocks ADD COLUMN policy TEXT NOT NULL DEFAULT 'deduct_on_payment'",
    ),
    _fill_stock_columns,
)
"""The schema's steps in order: after step ``n`` (from 1) ``PRAGMA user_version`` may read ``n``.

Schema versions 1 and 2 are steps 1 and 2; schema 3 is steps 3 to 6 (they
run together in one transaction, so a database is never left between them);
schema 4 (coupon templates, codes and wallets) is step 7; schema 5 (the
outbox) is step 8; schema 6 (payments) is step 9; schema 7 (after-sales
cases) is step 10; schema 8 (stock holds) is steps 11 and 12; schema 9 (the
settlement column) is steps 13 and 14; schema 10 (the stock's counts as
columns) is steps 15 and 16.
"""

_RELEASES: Final = (1, 2, 6, 7, 8, 9, 10, 12, 14, 16)
"""The step each schema version ends at (schema version n: ``_RELEASES[n - 1]`` steps)."""

SCHEMA_VERSION: Final = len(_RELEASES)
"""The schema this module writes, kept in ``PRAGMA user_version``."""


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn the driver's errors into the port's: a database that cannot serve is Unavailable."""
    try:
        yield
    except sqlite3.Error as exc:
        raise Unavailable("sqlite", f"{type(exc).__name__}: {exc}") from exc


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection, *, keep: bool) -> Iterator[None]:
    """A write transaction, committed at the end when ``keep`` and rolled back otherwise.

    Inside a transaction already open (a locked unit of work) it is a
    savepoint, released or rolled back to.
    """
    nested = connection.in_transaction
    connection.execute("SAVEPOINT pending" if nested else "BEGIN IMMEDIATE")
    done = False
    try:
        yield
        if keep:
            connection.execute("RELEASE pending" if nested else "COMMIT")
            done = True
    finally:
        if not done and nested:
            connection.execute("ROLLBACK TO pending")
            connection.execute("RELEASE pending")
        elif not done and connection.in_transaction:
            connection.execute("ROLLBACK")


def _configure(connection: sqlite3.Connection, *, timeout: float) -> sqlite3.Connection:
    # Transactions are begun explicitly; the driver must not open its own.
    connection.isolation_level = None
    connection.execute(f"PRAGMA busy_timeout = {round(timeout * 1000):d}")
    _use_wal(connection, timeout=timeout)
    _create_schema(connection)
    return connection


def _use_wal(connection: sqlite3.Connection, *, timeout: float) -> None:
    """Switch a file to WAL, waiting for the processes switching it at the same moment.

    Turning WAL on takes an exclusive lock, and SQLite does not always wait
    for it through the busy timeout: "database is locked" is raised at once
    when another process is switching the same new file. It is tried again
    until ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _create_schema(connection: sqlite3.Connection) -> None:
    """Bring the schema up to :data:`SCHEMA_VERSION`, once, whoever else is starting."""

    def stored() -> int:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])

    if stored() >= SCHEMA_VERSION:
        return
    with _transaction(connection, keep=True):
        version = stored()  # again, under the write lock: another process may have upgraded
        done = _RELEASES[version - 1] if version else 0
        for migration in MIGRATIONS[done:]:
            migration(connection)
        if version < SCHEMA_VERSION:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")


def memory_database(*, timeout: float = 5.0) -> ConnectionFactory:
    """One in-memory database, shared by every unit of work opened on the returned factory.

    An in-memory SQLite database lives as long as its one connection, so the
    factory hands out that same connection every time; it belongs to the
    caller (close it with ``factory().close()``) and to one thread. Its units
    of work share one transaction while one of them holds :meth:`~SqliteUnitOfWork.lock`.
    """
    connection = _configure(sqlite3.connect(":memory:"), timeout=seconds("timeout", timeout))
    return lambda: connection


def _insert(layout: Layout[V], row: dict[str, object], *, verb: str) -> str:
    """``verb`` (INSERT, INSERT OR REPLACE) of ``row`` as named parameters."""
    names = ", ".join(row)
    slots = ", ".join(f":{name}" for name in row)
    return f"{verb} INTO {layout.table} ({names}) VALUES ({slots})"


def _update(layout: Layout[V], row: dict[str, object]) -> str:
    """An UPDATE of ``row`` that changes nothing unless the stored version is ``:expected``."""
    changes = ", ".join(f"{name} = :{name}" for name in row if name != layout.key_column)
    return (
        f"UPDATE {layout.table} SET {changes}"
        f" WHERE {layout.key_column} = :{layout.key_column} AND version = :expected"
    )


def _select(layout: Layout[V], column: str) -> str:
    """A SELECT of ``column`` from the row under one key."""
    return f"SELECT {column} FROM {layout.table} WHERE {layout.key_column} = ?"


class _Repository(Generic[V]):
    """One aggregate's table as a unit of work sees it: committed rows under pending saves."""

    def __init__(self, uow: SqliteUnitOfWork, layout: Layout[V]) -> None:
        self._uow = uow
        self._layout = layout
        self.pending: dict[str, V] = {}
        self._based_on: dict[str, int] = {}
        """The stored version each pending save builds on (-1: a new key)."""

    def get(self, key: str) -> V:
        """The value under ``key`` (this unit of work's own save first), or NotFound.

        Other pending saves cannot change what one key holds, so the row is
        read as committed, without writing them first.
        """
        if key in self.pending:
            return self.pending[key]
        layout = self._layout
        rows = self._uow._in_connection(
            lambda connection: connection.execute(_select(layout, "value"), (key,)).fetchall()
        )
        if not rows:
            raise NotFound(layout.kind, key)
        return layout.load(rows[0][0], key)

    def save(self, value: V) -> None:
        """Keep ``value`` for the commit, or raise StaleVersion if its version does not follow."""
        layout = self._layout
        key = layout.key(value)
        if layout.version is not None:
            expected = layout.version(value) - 1
            actual = self._seen_version(key)
            if actual != expected:
                raise StaleVersion(layout.kind, key, expected, actual)
            self._based_on.setdefault(key, actual)
        self.pending[key] = value

    def forget(self) -> None:
        """Drop the pending saves."""
        self.pending.clear()
        self._based_on.clear()

    def _seen_version(self, key: str) -> int:
        """The version this unit of work sees under ``key``; -1 when nothing is stored."""
        if key in self.pending and self._layout.version is not None:
            return self._layout.version(self.pending[key])
        return self._uow._in_connection(lambda connection: self._stored_version(connection, key))

    def _stored_version(self, connection: sqlite3.Connection, key: str) -> int:
        row = connection.execute(_select(self._layout, "version"), (key,)).fetchone()
        return -1 if row is None else int(row[0])

    def _load(self, sql: str, parameters: Sequence[object], kind: str, key: str) -> V:
        """The one value ``sql`` selects as this unit of work sees it, or NotFound(kind, key)."""
        rows = self._uow._query(sql, parameters)
        if not rows:
            raise NotFound(kind, key)
        return self._layout.load(rows[0][0], key)

    def _load_all(self, sql: str, parameters: Sequence[object]) -> list[V]:
        """Every value ``sql`` selects as this unit of work sees it, in its order."""
        return [self._layout.load(text) for (text,) in self._uow._query(sql, parameters)]

    def _write(self, connection: sqlite3.Connection, *, checked: bool) -> list[Check]:
        """Write the pending saves; ``checked``: refuse any not based on the stored version.

        SQLite knows each result at once: a refusal is raised here, no check left.
        """
        layout = self._layout
        for key, value in self.pending.items():
            row = layout.row(value)
            if checked and layout.version is not None:
                self._write_checked(connection, key, row, expected=self._based_on[key])
            else:
                connection.execute(_insert(layout, row, verb="INSERT OR REPLACE"), row)
            side = layout.side
            if side is not None:
                connection.execute(f"DELETE FROM {side.table} WHERE {side.owner} = ?", (key,))
                connection.executemany(
                    f"INSERT OR REPLACE INTO {side.table} ({side.column}, {side.owner})"
                    " VALUES (?, ?)",
                    [(side_key, key) for side_key in side.keys(value)],
                )
        return []

    def _write_checked(
        self, connection: sqlite3.Connection, key: str, row: dict[str, object], *, expected: int
    ) -> None:
        layout = self._layout
        try:
            if expected < 0:
                connection.execute(_insert(layout, row, verb="INSERT"), row)
                return
            if (
                connection.execute(_update(layout, row), {**row, "expected": expected}).rowcount
                == 1
            ):
                return
        except sqlite3.IntegrityError:
            pass
        raise StaleVersion(layout.kind, key, expected, self._stored_version(connection, key))


class SqliteProducts(_Repository[Product]):
    """Products by id, found by SKU id too (see :class:`~mallcore.ports.ProductRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, PRODUCTS)

    def get_by_sku(self, sku_id: str) -> Product:
        """The product holding SKU ``sku_id``, or NotFound."""
        return self._load(
            "SELECT products.value FROM product_skus"
            " JOIN products ON products.id = product_skus.product_id"
            " WHERE product_skus.sku_id = ?",
            (sku_id,),
            "SKU",
            sku_id,
        )

    def in_category(
        self,
        category_id: str,
        *,
        status: ListingStatus | None = None,
        limit: int,
        offset: int = 0,
    ) -> Sequence[Product]:
        """A page of the products in ``category_id`` (and ``status``), by id."""
        limit, offset = page_bounds(limit, offset)
        where, parameters = "category_id = ?", [category_id]
        if status is not None:
            where, parameters = f"{where} AND status = ?", [category_id, status.value]
        return self._load_all(
            f"SELECT value FROM products WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
            (*parameters, limit, offset),
        )


class SqliteStocks(SqlStocks):
    """Stock by SKU id, counts moved in place at commit (:mod:`mallcore.adapters._stocks`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, placeholder="?")


class SqliteOrders(_Repository[Order]):
    """Orders by id (see :class:`~mallcore.ports.OrderRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, ORDERS)

    def awaiting_payment(self, *, due_by: datetime) -> Sequence[str]:
        """Ids of unpaid orders whose deadline is at or before ``due_by``, oldest first."""
        rows = self._uow._query(
            "SELECT id FROM orders WHERE status = ? AND pay_by_us <= ? ORDER BY pay_by_us, id",
            (OrderStatus.AWAITING_PAYMENT.value, microseconds(due_by)),
        )
        return [row[0] for row in rows]

    def due_for_completion(self) -> Sequence[str]:
        """Ids of shipped or delivered orders."""
        rows = self._uow._query(
            "SELECT id FROM orders WHERE status IN (?, ?) ORDER BY id",
            (OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value),
        )
        return [row[0] for row in rows]

    def due_for_settlement(self, *, due_by: datetime) -> Sequence[str]:
        """Completed, unsettled orders whose window ended before ``due_by``, soonest first."""
        rows = self._uow._query(
            "SELECT id FROM orders WHERE settle_by_us < ? ORDER BY settle_by_us, id",
            (microseconds(due_by),),
        )
        return [row[0] for row in rows]

    def get_by_waybill(self, waybill: str) -> Order:
        """The order with a package under ``waybill``, or NotFound."""
        return self._load(
            "SELECT orders.value FROM order_waybills"
            " JOIN orders ON orders.id = order_waybills.order_id"
            " WHERE order_waybills.waybill = ?",
            (waybill,),
            "order with waybill",
            waybill,
        )

    def of_customer(self, customer_id: str, *, limit: int, offset: int = 0) -> Sequence[Order]:
        """A page of ``customer_id``'s orders, newest ``placed_at`` first (then id, descending)."""
        limit, offset = page_bounds(limit, offset)
        return self._load_all(
            "SELECT value FROM orders WHERE customer_id = ?"
            " ORDER BY placed_at_us DESC, id DESC LIMIT ? OFFSET ?",
            (customer_id, limit, offset),
        )

    def with_status(self, status: OrderStatus, *, limit: int, offset: int = 0) -> Sequence[Order]:
        """A page of the orders in ``status``, oldest ``placed_at`` first (then id)."""
        limit, offset = page_bounds(limit, offset)
        return self._load_all(
            "SELECT value FROM orders WHERE status = ? ORDER BY placed_at_us, id LIMIT ? OFFSET ?",
            (status.value, limit, offset),
        )


class SqlitePayments(_Repository[Payment]):
    """Payment records by provider id (see :class:`~mallcore.ports.PaymentRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, PAYMENTS)

    def of_order(self, order_id: str) -> Sequence[Payment]:
        """The payments of ``order_id``, by first record time, then id."""
        return self._load_all(
            "SELECT value FROM payments WHERE order_id = ? ORDER BY first_us, id", (order_id,)
        )


class SqliteAfterSales(_Repository[AfterSalesCase]):
    """After-sales cases by id (see :class:`~mallcore.ports.AfterSalesRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, AFTER_SALES)

    def of_order(self, order_id: str) -> Sequence[AfterSalesCase]:
        """The cases of ``order_id``, by request time, then id."""
        return self._load_all(
            "SELECT value FROM after_sales_cases WHERE order_id = ? ORDER BY requested_us, id",
            (order_id,),
        )

    def open_cases(self) -> Sequence[str]:
        """Ids of the open cases, sorted."""
        statuses = sorted(status.value for status in OPEN_CASES)
        slots = ", ".join("?" for _ in statuses)
        rows = self._uow._query(
            f"SELECT id FROM after_sales_cases WHERE status IN ({slots}) ORDER BY id", statuses
        )
        return [row[0] for row in rows]


class SqlitePoints(_Repository[PointsAccount]):
    """Points accounts by id (see :class:`~mallcore.ports.PointsRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, POINTS)


class SqliteMembers(_Repository[Member]):
    """Members by customer id (see :class:`~mallcore.ports.MemberRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, MEMBERS)

    def born_on(self, month: int, day: int) -> Sequence[str]:
        """Ids of members whose birthday is ``month``/``day``, sorted."""
        rows = self._uow._query(
            "SELECT customer_id FROM members WHERE birth_month = ? AND birth_day = ?"
            " ORDER BY customer_id",
            (month, day),
        )
        return [row[0] for row in rows]

    def registered_between(self, start: datetime, end: datetime) -> Sequence[str]:
        """Ids of members registered in ``[start, end)``, oldest first (then id)."""
        rows = self._uow._query(
            "SELECT customer_id FROM members WHERE registered_us >= ? AND registered_us < ?"
            " ORDER BY registered_us, customer_id",
            (microseconds(start), microseconds(end)),
        )
        return [row[0] for row in rows]


class SqliteCouponTemplates(_Repository[CouponTemplate]):
    """Coupon templates and their codes (see :class:`~mallcore.ports.CouponTemplateRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, COUPON_TEMPLATES)
        self.codes = SqlCouponCodes(placeholder="?")

    def add_codes(self, template_id: str, codes: Sequence[str]) -> None:
        """Keep ``codes`` for the commit."""
        self.codes.pending.update(dict.fromkeys(codes, template_id))

    def find_by_code(self, code: str) -> CouponTemplate:
        """The template whose shared code, or one of whose generated codes, ``code`` is."""
        return self._load(
            "SELECT value FROM coupon_templates WHERE code = ?1 UNION ALL"
            " SELECT coupon_templates.value FROM coupon_codes JOIN coupon_templates"
            " ON coupon_templates.id = coupon_codes.template_id WHERE coupon_codes.code = ?1",
            (code,),
            "coupon code",
            code,
        )


class SqliteCoupons(_Repository[CouponInstance]):
    """Coupons in wallets (see :class:`~mallcore.ports.CouponRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, COUPONS)

    def of_customer(self, customer_id: str) -> Sequence[CouponInstance]:
        """``customer_id``'s coupons, by id."""
        return self._load_all(
            "SELECT value FROM coupons WHERE customer_id = ? ORDER BY id", (customer_id,)
        )


_OUTBOX_COLUMNS = "id, aggregate_kind, aggregate_id, sequence, occurred_at, kind, payload"


def _envelope(row: Sequence[Any]) -> OutboxEvent:
    event_id, kind_of_aggregate, aggregate_id, sequence, occurred_at, kind, payload = row
    return OutboxEvent(
        id=event_id,
        aggregate_kind=kind_of_aggregate,
        aggregate_id=aggregate_id,
        sequence=int(sequence),
        occurred_at=datetime.fromisoformat(occurred_at),
        event=load_event_document(kind, payload, source=f"outbox event {event_id!r}"),
    )


class SqliteOutbox:
    """The events committed with the state (see :class:`~mallcore.ports.OutboxRepository`).

    A claim takes the unit of work's write lock, so one relay at a time
    holds the unpublished envelopes.
    """

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        self._uow = uow
        self.appended: list[OutboxEvent] = []
        self._payloads: dict[str, tuple[str, str]] = {}
        """Each appended event's kind and JSON payload, written when it was appended."""
        self.published: dict[str, datetime] = {}
        self.purge_before: datetime | None = None

    @property
    def pending(self) -> bool:
        """Whether the commit has anything of the outbox's to write."""
        return bool(self.appended or self.published or self.purge_before is not None)

    def append(self, event: OutboxEvent) -> None:
        """Keep ``event`` for the commit (a payload that is no domain event is refused here)."""
        if not isinstance(event, OutboxEvent):
            raise InvalidValue("event", event, "must be an OutboxEvent")
        check_place(self.appended, event)
        self._payloads[event.id] = dump_event_document(event.event)
        self.appended.append(event)

    def claim(self, limit: int) -> Sequence[OutboxEvent]:
        """The oldest unpublished envelopes, after taking the write lock."""
        limit, _ = page_bounds(limit, 0)
        self._uow.lock()
        rows = self._uow._in_connection(
            lambda connection: connection.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE published_us IS NULL"
                " ORDER BY position LIMIT ?",
                (limit + len(self.published),),
            ).fetchall()
        )
        return [_envelope(row) for row in rows if row[0] not in self.published][:limit]

    def mark_published(self, ids: Sequence[str], *, at: datetime) -> None:
        """Record ``ids`` as published at ``at``, at commit."""
        self.published.update(dict.fromkeys(ids, at))

    def purge(self, *, before: datetime) -> int:
        """Delete, at commit, the envelopes published before ``before``; how many."""
        self.purge_before = before if self.purge_before is None else max(before, self.purge_before)
        cutoff = microseconds(self.purge_before)
        ((stored,),) = self._uow._in_connection(
            lambda connection: connection.execute(
                "SELECT COUNT(*) FROM outbox WHERE published_us < ?", (cutoff,)
            ).fetchall()
        )
        marked = sum(1 for at in self.published.values() if microseconds(at) < cutoff)
        return int(stored) + marked

    def of_aggregate(self, aggregate_kind: str, aggregate_id: str) -> Sequence[OutboxEvent]:
        """The committed envelopes of one aggregate, by sequence."""
        rows = self._uow._in_connection(
            lambda connection: connection.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
                " WHERE aggregate_kind = ? AND aggregate_id = ? ORDER BY sequence",
                (aggregate_kind, aggregate_id),
            ).fetchall()
        )
        return [_envelope(row) for row in rows]

    def forget(self) -> None:
        """Drop the pending appends, marks and purge."""
        self.appended = []
        self._payloads = {}
        self.published = {}
        self.purge_before = None

    def _write(self, connection: sqlite3.Connection, *, checked: bool) -> list[Check]:
        """Write the appends, marks and purge (``checked``: a taken id raises here)."""
        if not checked:
            return []  # no query reads the outbox through pending saves
        for event in self.appended:
            self._append(connection, event)
        connection.executemany(
            "UPDATE outbox SET published_us = ? WHERE id = ? AND published_us IS NULL",
            [(microseconds(at), event_id) for event_id, at in self.published.items()],
        )
        if self.purge_before is not None:
            connection.execute(
                "DELETE FROM outbox WHERE published_us < ?", (microseconds(self.purge_before),)
            )
        return []

    def _append(self, connection: sqlite3.Connection, event: OutboxEvent) -> None:
        """Store ``event`` as the next envelope of its aggregate (the write lock is held)."""
        kind, payload = self._payloads[event.id]
        connection.execute(
            "INSERT INTO outbox_sequences (aggregate_kind, aggregate_id, sequence) VALUES (?, ?, 1)"
            " ON CONFLICT (aggregate_kind, aggregate_id) DO UPDATE SET sequence = sequence + 1",
            event.aggregate,
        )
        (sequence,) = connection.execute(
            "SELECT sequence FROM outbox_sequences WHERE aggregate_kind = ? AND aggregate_id = ?",
            event.aggregate,
        ).fetchone()
        try:
            connection.execute(
                f"INSERT INTO outbox ({_OUTBOX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    event.id,
                    event.aggregate_kind,
                    event.aggregate_id,
                    sequence,
                    event.occurred_at.isoformat(),
                    kind,
                    payload,
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise StaleVersion("outbox event", event.id, -1, 0) from exc


class SqliteUnitOfWork:
    """A transaction over a SQLite database (see :class:`~mallcore.ports.UnitOfWork`).

    ``database`` is a file path, or a callable returning an open connection
    (:func:`memory_database` for a demo, or one connection per thread in a
    long-running host). From a path, each ``with`` block opens its own
    connection and closes it on the way out; a factory's connection belongs
    to whoever made it and is never closed here, but it is configured like
    the adapter's own the first time this unit of work meets it (autocommit,
    busy timeout, WAL, schema). ``timeout`` is how long (seconds) a commit or
    :meth:`lock` waits for another writer before it raises
    :class:`~mallcore.errors.Unavailable`.

    A unit of work and its connection belong to one thread at a time: give
    each thread its own unit of work (docs/adapters.md, "Threads").
    """

    def __init__(
        self, database: str | os.PathLike[str] | ConnectionFactory, *, timeout: float = 5.0
    ) -> None:
        if not (callable(database) or isinstance(database, str | os.PathLike)):
            raise WrongType("database", database, "path or connection factory")
        if not callable(database) and os.fspath(database) == ":memory:":
            raise InvalidValue(
                "database",
                database,
                "would give every unit of work its own empty database; use memory_database()",
            )
        self._database = database
        self._timeout = seconds("timeout", timeout)
        self._connection: sqlite3.Connection | None = None
        self._configured: sqlite3.Connection | None = None
        """The last factory connection this unit of work configured (a factory may reuse one)."""
        self._locked = False
        self.products = SqliteProducts(self)
        self.stocks = SqliteStocks(self)
        self.stock_holds = SqlStockHolds(self, placeholder="?")
        self.stock_movements = SqlStockMovements(self, placeholder="?")
        self.orders = SqliteOrders(self)
        self.payments = SqlitePayments(self)
        self.after_sales = SqliteAfterSales(self)
        self.points = SqlitePoints(self)
        self.configuration = SqlConfigurations(self, placeholder="?")
        self.counters = SqlCounters(self, placeholder="?")
        self.members = SqliteMembers(self)
        self.coupon_templates = SqliteCouponTemplates(self)
        self.coupons = SqliteCoupons(self)
        self.outbox = SqliteOutbox(self)

    def _parts(
        self,
    ) -> tuple[
        _Repository[Any]
        | SqlStocks
        | SqlConfigurations
        | SqlStockHolds
        | SqlStockMovements
        | SqlCounters
        | SqlCouponCodes
        | SqliteOutbox,
        ...,
    ]:
        return (
            self.products,
            self.stocks,
            self.stock_holds,
            self.stock_movements,
            self.orders,
            self.payments,
            self.after_sales,
            self.points,
            self.configuration,
            self.members,
            self.coupon_templates,
            self.coupon_templates.codes,
            self.coupons,
            self.counters,
            self.outbox,
        )

    def __enter__(self) -> Self:
        """Begin: forget anything not committed."""
        self.rollback()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Drop whatever was not committed, and close a connection this unit of work opened."""
        self.rollback()
        if self._connection is not None and not callable(self._database):
            self._connection.close()
        self._connection = None

    def lock(self) -> None:
        """Take the database's write lock now (BEGIN IMMEDIATE), until commit or rollback."""
        if self._locked:
            return
        self._in_connection(lambda connection: connection.execute("BEGIN IMMEDIATE"))
        self._locked = True

    def read_ahead(self, reads: ReadAhead) -> None:
        """Nothing: the database is in this process, so a read costs no round trip."""

    def commit(self) -> None:
        """Write every pending change in one transaction, or raise and write none.

        StaleVersion when another writer saved first, LimitReached when a
        counter would pass its limit; either way nothing is kept.
        """
        try:
            if self._locked or any(part.pending for part in self._parts()):
                self._in_connection(self._write_checked)
        finally:
            self.rollback()

    def rollback(self) -> None:
        """Drop every pending change and the write lock; reads see what is committed now."""
        for part in self._parts():
            part.forget()
        if self._locked:
            self._locked = False
            connection = self._connection
            if connection is not None and connection.in_transaction:
                with _translated():
                    connection.execute("ROLLBACK")

    def _write_checked(self, connection: sqlite3.Connection) -> None:
        if not self._locked:
            connection.execute("BEGIN IMMEDIATE")
        try:
            for part in self._parts():
                for check in part._write(connection, checked=True):
                    check()
            connection.execute("COMMIT")
        finally:
            self._locked = False
            if connection.in_transaction:
                connection.execute("ROLLBACK")

    def _query(self, sql: str, parameters: Sequence[object]) -> list[Any]:
        """The rows of ``sql`` as this unit of work sees the database, pending saves included."""

        def select(connection: sqlite3.Connection) -> list[Any]:
            unread = (self.counters, self.outbox)
            if not any(part.pending for part in self._parts() if part not in unread):
                return connection.execute(sql, parameters).fetchall()
            with _transaction(connection, keep=False):
                for part in self._parts():
                    part._write(connection, checked=False)
                return connection.execute(sql, parameters).fetchall()

        return self._in_connection(select)

    def _fetch(self, query: str, parameters: tuple[object, ...]) -> list[Any]:
        """The rows of ``query`` as committed."""
        return self._in_connection(
            lambda connection: connection.execute(query, parameters).fetchall()
        )

    def _in_connection(self, work: Callable[[sqlite3.Connection], V]) -> V:
        """Run ``work`` on this unit of work's connection, the driver's errors translated."""
        with _translated():
            if self._connection is None:
                self._connection = self._connect()
            return work(self._connection)

    def _connect(self) -> sqlite3.Connection:
        if not callable(self._database):
            connection = sqlite3.connect(self._database, timeout=self._timeout)
            return _configure(connection, timeout=self._timeout)
        connection = self._database()
        if connection is not self._configured:
            self._configured = _configure(connection, timeout=self._timeout)
        return connection
