"""SQLite storage: the embedded default, one database file shared by threads and processes.

Schema, created on first use and numbered in ``PRAGMA user_version``
(:data:`SCHEMA_VERSION`) so later migrations have a place:

- ``products(id, value)``, with ``product_skus(sku_id, product_id)`` for ``get_by_sku``;
- ``stocks(sku_id, version, value)``;
- ``points_accounts(account_id, version, value)`` (schema version 2);
- ``orders(id, version, status, pay_by_us, value)``, indexed on
  ``(status, pay_by_us)``, with ``order_waybills(waybill, order_id)`` for
  ``get_by_waybill``. ``pay_by_us`` is the deadline in microseconds since the
  Unix epoch, exact and ordered whatever the order's time zone.

``value`` is the aggregate as JSON written by :mod:`mallcore.serialization`;
the other columns are copies of the few fields the queries filter on.

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
- A query (``awaiting_payment``, ``get_by_sku`` ...) made while saves are
  pending writes them inside a transaction that it rolls back after the
  ``SELECT``, so one SQL statement answers with or without pending saves.

File databases use WAL journal mode, so readers never block the writer.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs

from mallcore.catalog import Product, Stock
from mallcore.errors import InvalidValue, NotFound, StaleVersion, Unavailable
from mallcore.loyalty import PointsAccount
from mallcore.orders import Order, OrderStatus
from mallcore.serialization import dumps, loads

__all__ = [
    "SCHEMA_VERSION",
    "SqliteOrders",
    "SqlitePoints",
    "SqliteProducts",
    "SqliteStocks",
    "SqliteUnitOfWork",
    "memory_database",
]

SCHEMA_VERSION = 2
"""The schema this module writes, kept in ``PRAGMA user_version``."""

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS product_skus (sku_id TEXT PRIMARY KEY, product_id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS product_skus_by_product ON product_skus (product_id)",
    "CREATE TABLE IF NOT EXISTS stocks"
    " (sku_id TEXT PRIMARY KEY, version INTEGER NOT NULL, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, version INTEGER NOT NULL,"
    " status TEXT NOT NULL, pay_by_us INTEGER NOT NULL, value TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, pay_by_us, id)",
    "CREATE TABLE IF NOT EXISTS order_waybills (waybill TEXT PRIMARY KEY, order_id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS order_waybills_by_order ON order_waybills (order_id)",
    "CREATE TABLE IF NOT EXISTS points_accounts"
    " (account_id TEXT PRIMARY KEY, version INTEGER NOT NULL, value TEXT NOT NULL)",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

V = TypeVar("V")
ConnectionFactory = Callable[[], sqlite3.Connection]


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn the driver's errors into the port's: a database that cannot serve is Unavailable."""
    try:
        yield
    except sqlite3.Error as exc:
        raise Unavailable("sqlite", f"{type(exc).__name__}: {exc}") from exc


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection, *, keep: bool) -> Iterator[None]:
    """A write transaction, committed at the end when ``keep`` and rolled back otherwise."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        if keep:
            connection.execute("COMMIT")
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")


def _configure(connection: sqlite3.Connection, *, timeout: float) -> sqlite3.Connection:
    # Transactions are begun explicitly; the driver must not open its own.
    connection.isolation_level = None
    connection.execute(f"PRAGMA busy_timeout = {round(timeout * 1000):d}")
    connection.execute("PRAGMA journal_mode = WAL")
    return connection


def _create_schema(connection: sqlite3.Connection) -> None:
    if connection.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    with _transaction(connection, keep=True):
        for statement in _SCHEMA:
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")


def memory_database(*, timeout: float = 5.0) -> ConnectionFactory:
    """One in-memory database, shared by every unit of work opened on the returned factory.

    An in-memory SQLite database lives as long as its one connection, so the
    factory hands out that same connection every time; it belongs to the
    caller (close it with ``factory().close()``) and to one thread.
    """
    connection = _configure(sqlite3.connect(":memory:"), timeout=timeout)
    return lambda: connection


@attrs.frozen
class _SideTable(Generic[V]):
    """A lookup table from secondary keys (SKU ids, waybills) to the aggregate's key."""

    table: str
    column: str
    owner: str
    keys: Callable[[V], Iterable[str]]


@attrs.frozen
class _Layout(Generic[V]):
    """How one aggregate maps to its table: the key, the version, the copied columns."""

    kind: str
    table: str
    key_column: str
    cls: type[V]
    key: Callable[[V], str]
    version: Callable[[V], int] | None
    columns: Callable[[V], dict[str, object]]
    side: _SideTable[V] | None = None

    def row(self, value: V) -> dict[str, object]:
        """The named parameters of ``value``'s row."""
        row: dict[str, object] = {self.key_column: self.key(value)}
        if self.version is not None:
            row["version"] = self.version(value)
        return {**row, **self.columns(value), "value": dumps(value, indent=None)}

    def insert(self, row: dict[str, object], *, verb: str) -> str:
        """``verb`` (INSERT, INSERT OR REPLACE) of ``row`` as named parameters."""
        names = ", ".join(row)
        slots = ", ".join(f":{name}" for name in row)
        return f"{verb} INTO {self.table} ({names}) VALUES ({slots})"

    def update(self, row: dict[str, object]) -> str:
        """An UPDATE of ``row`` that changes nothing unless the stored version is ``:expected``."""
        changes = ", ".join(f"{name} = :{name}" for name in row if name != self.key_column)
        return (
            f"UPDATE {self.table} SET {changes}"
            f" WHERE {self.key_column} = :{self.key_column} AND version = :expected"
        )

    def select(self, column: str) -> str:
        """A SELECT of ``column`` from the row under one key."""
        return f"SELECT {column} FROM {self.table} WHERE {self.key_column} = ?"


class _Repository(Generic[V]):
    """One aggregate's table as a unit of work sees it: committed rows under pending saves."""

    def __init__(self, uow: SqliteUnitOfWork, layout: _Layout[V]) -> None:
        self._uow = uow
        self._layout = layout
        self.pending: dict[str, V] = {}
        self._based_on: dict[str, int] = {}
        """The stored version each pending save builds on (-1: a new key)."""

    def get(self, key: str) -> V:
        """The value under ``key`` (this unit of work's own save first), or NotFound."""
        if key in self.pending:
            return self.pending[key]
        return self._load(self._layout.select("value"), (key,), self._layout.kind, key)

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
        row = connection.execute(self._layout.select("version"), (key,)).fetchone()
        return -1 if row is None else int(row[0])

    def _load(self, sql: str, parameters: Sequence[object], kind: str, key: str) -> V:
        """The one value ``sql`` selects as this unit of work sees it, or NotFound(kind, key)."""
        rows = self._uow._query(sql, parameters)
        if not rows:
            raise NotFound(kind, key)
        return loads(rows[0][0], self._layout.cls, source=f"{self._layout.table} {key!r}")

    def _write(self, connection: sqlite3.Connection, *, checked: bool) -> None:
        """Write the pending saves; ``checked``: refuse any not based on the stored version."""
        layout = self._layout
        for key, value in self.pending.items():
            row = layout.row(value)
            if checked and layout.version is not None:
                self._write_checked(connection, key, row, expected=self._based_on[key])
            else:
                connection.execute(layout.insert(row, verb="INSERT OR REPLACE"), row)
            side = layout.side
            if side is not None:
                connection.execute(f"DELETE FROM {side.table} WHERE {side.owner} = ?", (key,))
                connection.executemany(
                    f"INSERT OR REPLACE INTO {side.table} ({side.column}, {side.owner})"
                    " VALUES (?, ?)",
                    [(side_key, key) for side_key in side.keys(value)],
                )

    def _write_checked(
        self, connection: sqlite3.Connection, key: str, row: dict[str, object], *, expected: int
    ) -> None:
        layout = self._layout
        try:
            if expected < 0:
                connection.execute(layout.insert(row, verb="INSERT"), row)
                return
            if connection.execute(layout.update(row), {**row, "expected": expected}).rowcount == 1:
                return
        except sqlite3.IntegrityError:
            pass
        raise StaleVersion(layout.kind, key, expected, self._stored_version(connection, key))


_PRODUCTS = _Layout[Product](
    kind="product",
    table="products",
    key_column="id",
    cls=Product,
    key=lambda product: product.id,
    version=None,
    columns=lambda product: {},
    side=_SideTable(
        "product_skus", "sku_id", "product_id", lambda product: [sku.id for sku in product.skus]
    ),
)
_STOCKS = _Layout[Stock](
    kind="stock",
    table="stocks",
    key_column="sku_id",
    cls=Stock,
    key=lambda stock: stock.sku_id,
    version=lambda stock: stock.version,
    columns=lambda stock: {},
)
_ORDERS = _Layout[Order](
    kind="order",
    table="orders",
    key_column="id",
    cls=Order,
    key=lambda order: order.id,
    version=lambda order: order.version,
    columns=lambda order: {"status": order.status.value, "pay_by_us": _microseconds(order.pay_by)},
    side=_SideTable(
        "order_waybills",
        "waybill",
        "order_id",
        lambda order: [shipment.waybill for shipment in order.shipments],
    ),
)


_POINTS = _Layout[PointsAccount](
    kind="points account",
    table="points_accounts",
    key_column="account_id",
    cls=PointsAccount,
    key=lambda account: account.account_id,
    version=lambda account: account.version,
    columns=lambda account: {},
)


class SqliteProducts(_Repository[Product]):
    """Products by id, found by SKU id too (see :class:`~mallcore.ports.ProductRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, _PRODUCTS)

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


class SqliteStocks(_Repository[Stock]):
    """Stock by SKU id (see :class:`~mallcore.ports.StockRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, _STOCKS)


class SqliteOrders(_Repository[Order]):
    """Orders by id (see :class:`~mallcore.ports.OrderRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, _ORDERS)

    def awaiting_payment(self, *, due_by: datetime) -> Sequence[str]:
        """Ids of unpaid orders whose deadline is at or before ``due_by``, oldest first."""
        rows = self._uow._query(
            "SELECT id FROM orders WHERE status = ? AND pay_by_us <= ? ORDER BY pay_by_us, id",
            (OrderStatus.AWAITING_PAYMENT.value, _microseconds(due_by)),
        )
        return [row[0] for row in rows]

    def due_for_completion(self) -> Sequence[str]:
        """Ids of shipped or delivered orders."""
        rows = self._uow._query(
            "SELECT id FROM orders WHERE status IN (?, ?) ORDER BY id",
            (OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value),
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


class SqlitePoints(_Repository[PointsAccount]):
    """Points accounts by id (see :class:`~mallcore.ports.PointsRepository`)."""

    def __init__(self, uow: SqliteUnitOfWork) -> None:
        super().__init__(uow, _POINTS)


class SqliteUnitOfWork:
    """A transaction over a SQLite database (see :class:`~mallcore.ports.UnitOfWork`).

    ``database`` is a file path, or a callable returning an open connection
    (:func:`memory_database` for a demo). From a path, each ``with`` block
    opens its own connection and closes it on the way out; a factory's
    connection belongs to whoever made it and is never closed here.
    ``timeout`` is how long (seconds) a commit waits for another writer
    before it raises :class:`~mallcore.errors.Unavailable`.
    """

    def __init__(
        self, database: str | os.PathLike[str] | ConnectionFactory, *, timeout: float = 5.0
    ) -> None:
        if not callable(database) and os.fspath(database) == ":memory:":
            raise InvalidValue(
                "database",
                database,
                "would give every unit of work its own empty database; use memory_database()",
            )
        self._database = database
        self._timeout = timeout
        self._connection: sqlite3.Connection | None = None
        self.products = SqliteProducts(self)
        self.stocks = SqliteStocks(self)
        self.orders = SqliteOrders(self)
        self.points = SqlitePoints(self)

    def _repositories(self) -> tuple[_Repository[Any], ...]:
        return self.products, self.stocks, self.orders, self.points

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

    def commit(self) -> None:
        """Write every pending save in one transaction, or raise StaleVersion and write none."""
        try:
            if any(repository.pending for repository in self._repositories()):
                self._in_connection(self._write_checked)
        finally:
            self.rollback()

    def rollback(self) -> None:
        """Drop every pending save; reads see what is committed now."""
        for repository in self._repositories():
            repository.forget()

    def _write_checked(self, connection: sqlite3.Connection) -> None:
        with _transaction(connection, keep=True):
            for repository in self._repositories():
                repository._write(connection, checked=True)

    def _query(self, sql: str, parameters: Sequence[object]) -> list[Any]:
        """The rows of ``sql`` as this unit of work sees the database, pending saves included."""

        def select(connection: sqlite3.Connection) -> list[Any]:
            if not any(repository.pending for repository in self._repositories()):
                return connection.execute(sql, parameters).fetchall()
            with _transaction(connection, keep=False):
                for repository in self._repositories():
                    repository._write(connection, checked=False)
                return connection.execute(sql, parameters).fetchall()

        return self._in_connection(select)

    def _in_connection(self, work: Callable[[sqlite3.Connection], V]) -> V:
        """Run ``work`` on this unit of work's connection, the driver's errors translated."""
        with _translated():
            if self._connection is None:
                self._connection = self._connect()
            return work(self._connection)

    def _connect(self) -> sqlite3.Connection:
        if callable(self._database):
            connection = self._database()
        else:
            connection = _configure(
                sqlite3.connect(self._database, timeout=self._timeout), timeout=self._timeout
            )
        _create_schema(connection)
        return connection
