"""PostgreSQL storage: several app servers over one database (the ``postgres`` extra).

::

    database = PostgresDatabase("host=db.internal dbname=shop user=shop")  # once per process
    with PostgresUnitOfWork(database) as uow:                               # once per command
        ...
        uow.commit()
    database.close()                                                        # at shut-down

Schema: the numbered migrations of :mod:`mallcore.adapters._migrations`,
applied when a :class:`PostgresDatabase` opens and recorded in
``mallcore_migrations(number, summary, applied_at)``. The tables are those
of the SQLite adapter: one per aggregate (``products``, ``stocks``,
``orders``, ``points_accounts``) holding the aggregate as JSON in ``value``
with the few columns queries filter on copied out, two lookup tables
(``product_skus``, ``order_waybills``) and ``counters``. They are created in
the first schema of the connection's ``search_path`` (``public`` unless the
DSN says otherwise, e.g. ``options=-csearch_path=shop``).

Theory of operation:

- A :class:`PostgresDatabase` is a pool of connections (psycopg-pool) to
  one database, shared by the threads of a process. Opening it migrates the
  schema under an advisory lock, so processes starting together apply each
  migration once; with ``migrate=False`` it only checks that the schema is
  the one this release writes.
- A :class:`PostgresUnitOfWork` borrows one connection for its ``with``
  block and gives it back on the way out. The connection is in autocommit
  mode: reads run outside any transaction, so each sees what is committed
  when it runs (read committed), after the unit of work's own pending saves.
- ``save`` checks the version against what this unit of work sees and keeps
  the value in memory; nothing is written before ``commit``, so two units of
  work open in one thread never wait for each other's row locks.
- ``commit`` runs one transaction at ``READ COMMITTED`` (named in its
  ``BEGIN``, whatever the server's default) in which the database decides
  each conflict: ``UPDATE ... WHERE key = %s AND version = %s`` must change
  one row and a version-0 ``INSERT ... ON CONFLICT DO NOTHING`` must insert
  one. Otherwise it rolls back, keeps nothing and raises
  :class:`~mallcore.errors.StaleVersion`. Rows are written table by table,
  keys in sorted order, so two commits never deadlock on each other.
  Products carry no version: the last commit wins.
- ``counters`` change at once, by a conditional ``UPDATE`` inside the unit of
  work's transaction (begun by the first change): the row stays locked until
  commit or rollback, so concurrent commands queue on a hot counter instead
  of retrying whole documents.
- A query made while saves are pending writes them inside a transaction (or
  a savepoint) that it rolls back after the ``SELECT``.
- Every statement gives up after ``statement_timeout`` seconds (lock waits
  included), and a unit of work waits at most ``timeout`` seconds for a
  connection; both, and every other driver error, leave as
  :class:`~mallcore.errors.Unavailable`, raised ``from`` psycopg's error. A
  stored value that does not load (written by a newer release, or by hand)
  is an :class:`~mallcore.errors.InvalidDocument` naming its table and key.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Generic, Self, TypeVar

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool

from mallcore.adapters._layouts import ORDERS, POINTS, PRODUCTS, STOCKS, Layout, microseconds
from mallcore.adapters._migrations import LATEST, pending
from mallcore.catalog import Product, Stock
from mallcore.errors import InvalidValue, NotFound, StaleVersion, Unavailable, WrongType
from mallcore.loyalty import PointsAccount
from mallcore.orders import Order, OrderStatus
from mallcore.serialization import loads

__all__ = [
    "ISOLATION_LEVEL",
    "MIGRATION_LOCK",
    "PostgresCounters",
    "PostgresDatabase",
    "PostgresDocuments",
    "PostgresOrders",
    "PostgresProducts",
    "PostgresUnitOfWork",
]

ISOLATION_LEVEL: Final = "READ COMMITTED"
"""The isolation level of every transaction a unit of work runs."""

MIGRATION_LOCK: Final = 0x6D616C6C636F7265
"""The advisory lock key ("mallcore") held while migrating, so one process migrates at a time."""

V = TypeVar("V")
Connection = psycopg.Connection[tuple[Any, ...]]
Query = sql.SQL | sql.Composed
_SERVICE = "postgresql"


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn the driver's errors into the port's: a database that cannot serve is Unavailable."""
    try:
        yield
    except psycopg.Error as exc:
        raise Unavailable(_SERVICE, f"{type(exc).__name__}: {exc}".strip()) from exc


def _in_transaction(connection: Connection) -> bool:
    return connection.info.transaction_status != TransactionStatus.IDLE


def _begin(connection: Connection) -> None:
    if not _in_transaction(connection):
        connection.execute(f"BEGIN ISOLATION LEVEL {ISOLATION_LEVEL}")


def _applied(connection: Connection) -> int | None:
    """The last migration applied to the database, or None when it has no mallcore schema."""
    row = connection.execute("SELECT to_regclass('mallcore_migrations') IS NOT NULL").fetchone()
    if row is None or not row[0]:
        return None
    number = connection.execute("SELECT max(number) FROM mallcore_migrations").fetchone()
    return 0 if number is None or number[0] is None else int(number[0])


def _refuse_newer(applied: int | None) -> None:
    if applied is not None and applied > LATEST:
        raise Unavailable(
            _SERVICE,
            f"the database schema is at migration {applied}, written by a newer mallcore;"
            f" this one knows migrations up to {LATEST}: upgrade mallcore",
        )


def _migrate(connection: Connection) -> None:
    """Apply the pending migrations, each recorded in the one transaction that applies them all."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute(
            "CREATE TABLE IF NOT EXISTS mallcore_migrations (number INTEGER PRIMARY KEY,"
            " summary TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        applied = _applied(connection) or 0
        _refuse_newer(applied)
        for migration in pending(applied):
            for statement in migration.statements:
                connection.execute(sql.SQL(statement))
            connection.execute(
                "INSERT INTO mallcore_migrations (number, summary) VALUES (%s, %s)",
                (migration.number, migration.summary),
            )


def _check_schema(connection: Connection) -> None:
    applied = _applied(connection)
    _refuse_newer(applied)
    if applied is None:
        raise Unavailable(
            _SERVICE, "the database has no mallcore schema: open it once with migrate=True"
        )
    if applied < LATEST:
        raise Unavailable(
            _SERVICE,
            f"the database schema is at migration {applied}, this mallcore needs {LATEST}:"
            " open it once with migrate=True",
        )


def _check_settings(
    dsn: object, *, min_size: int, max_size: int, timeouts: tuple[float, float]
) -> None:
    """Refuse settings psycopg would take badly: a DSN that is no string, sizes or timeouts."""
    if not isinstance(dsn, str):
        raise WrongType("dsn", dsn, "str")
    if not 0 <= min_size <= max_size or max_size < 1:
        raise InvalidValue(
            "min_size, max_size",
            (min_size, max_size),
            "need 0 <= min_size <= max_size, 1 <= max_size",
        )
    for field, seconds in zip(("timeout", "statement_timeout"), timeouts, strict=True):
        if not seconds > 0:
            raise InvalidValue(field, seconds, "must be a positive number of seconds")


def _excluded(column: str) -> sql.Composable:
    """The value an ``INSERT ... ON CONFLICT DO UPDATE`` proposed for ``column``."""
    return sql.SQL("EXCLUDED.{}").format(sql.Identifier(column))


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database with mallcore's schema; one per process.

    ``dsn`` is a libpq connection string or URI, as the host configures it.
    Opening migrates the schema (``migrate=False``: only checks it is
    current, for hosts whose database role may not change tables). The pool
    keeps ``min_size`` to ``max_size`` connections, checked before each use;
    a unit of work waits at most ``timeout`` seconds for one, and a statement
    runs at most ``statement_timeout`` seconds. Any of these failing raises
    :class:`~mallcore.errors.Unavailable`. Close it at shut-down (or use it
    as a context manager).
    """

    def __init__(
        self,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 5.0,
        statement_timeout: float = 5.0,
        migrate: bool = True,
    ) -> None:
        _check_settings(
            dsn, min_size=min_size, max_size=max_size, timeouts=(timeout, statement_timeout)
        )
        self._statement_timeout_ms = f"{round(statement_timeout * 1000):d}"
        # libpq counts whole seconds, at least 2; 0 would mean wait forever.
        connect_timeout = max(2, math.ceil(timeout))
        with _translated():
            with psycopg.connect(dsn, autocommit=True, connect_timeout=connect_timeout) as first:
                self._configure(first)
                (_migrate if migrate else _check_schema)(first)
            self._pool = ConnectionPool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                timeout=timeout,
                kwargs={"autocommit": True, "connect_timeout": connect_timeout},
                configure=self._configure,
                check=ConnectionPool.check_connection,
                name="mallcore",
                open=False,
            )
            try:
                self._pool.open(wait=True, timeout=timeout)
            except psycopg.Error:
                self._pool.close()
                raise

    def _configure(self, connection: Connection) -> None:
        connection.execute(
            "SELECT set_config('statement_timeout', %s, false)", (self._statement_timeout_ms,)
        )

    def borrow(self) -> Connection:
        """A connection from the pool for one unit of work; :meth:`give_back` returns it."""
        with _translated():
            return self._pool.getconn()

    def give_back(self, connection: Connection) -> None:
        """Return a connection :meth:`borrow` lent."""
        self._pool.putconn(connection)

    def close(self) -> None:
        """Close every connection; units of work opened after this raise Unavailable."""
        self._pool.close()

    def __enter__(self) -> Self:
        """The database itself."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the pool."""
        self.close()


class PostgresDocuments(Generic[V]):
    """One aggregate's table as a unit of work sees it: committed rows under pending saves.

    Stock and points accounts are this class as it is (see
    :class:`~mallcore.ports.StockRepository`); repositories with queries
    subclass it.
    """

    def __init__(self, uow: PostgresUnitOfWork, layout: Layout[V]) -> None:
        self._uow = uow
        self._layout = layout
        self._table = sql.Identifier(layout.table)
        self._key_column = sql.Identifier(layout.key_column)
        self.pending: dict[str, V] = {}
        self._based_on: dict[str, int] = {}
        """The stored version each pending save builds on (-1: a new key)."""

    def get(self, key: str) -> V:
        """The value under ``key`` (this unit of work's own save first), or NotFound."""
        if key in self.pending:
            return self.pending[key]
        return self._load(self._select("value"), (key,), self._layout.kind, key)

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

    def _select(self, column: str) -> sql.Composed:
        return sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
            sql.Identifier(column), self._table, self._key_column
        )

    def _seen_version(self, key: str) -> int:
        """The version this unit of work sees under ``key``; -1 when nothing is stored."""
        if key in self.pending and self._layout.version is not None:
            return self._layout.version(self.pending[key])
        return self._uow._in_connection(lambda connection: self._stored_version(connection, key))

    def _stored_version(self, connection: Connection, key: str) -> int:
        row = connection.execute(self._select("version"), (key,)).fetchone()
        return -1 if row is None else int(row[0])

    def _load(self, query: Query, parameters: Sequence[object], kind: str, key: str) -> V:
        """The one value ``query`` selects as this unit of work sees it, or NotFound(kind, key)."""
        rows = self._uow._query(query, parameters)
        if not rows:
            raise NotFound(kind, key)
        return loads(rows[0][0], self._layout.cls, source=f"{self._layout.table} {key!r}")

    def _write(self, connection: Connection, *, checked: bool) -> None:
        """Write the pending saves; ``checked``: refuse any not based on the stored version."""
        layout = self._layout
        for key in sorted(self.pending):
            value = self.pending[key]
            row = layout.row(value)
            if checked and layout.version is not None:
                self._write_checked(connection, key, row, expected=self._based_on[key])
            else:
                connection.execute(self._upsert(row), row)
            side = layout.side
            if side is not None:
                table, owner = sql.Identifier(side.table), sql.Identifier(side.owner)
                column = sql.Identifier(side.column)
                connection.execute(
                    sql.SQL("DELETE FROM {} WHERE {} = %s").format(table, owner), (key,)
                )
                connection.cursor().executemany(
                    sql.SQL(
                        "INSERT INTO {table} ({column}, {owner}) VALUES (%s, %s)"
                        " ON CONFLICT ({column}) DO UPDATE SET {owner} = EXCLUDED.{owner}"
                    ).format(table=table, column=column, owner=owner),
                    [(side_key, key) for side_key in sorted(side.keys(value))],
                )

    def _write_checked(
        self, connection: Connection, key: str, row: dict[str, object], *, expected: int
    ) -> None:
        if expected < 0:
            written = connection.execute(self._insert(row, sql.SQL("DO NOTHING")), row)
        else:
            written = connection.execute(self._update(row), {**row, "expected": expected})
        if written.rowcount != 1:
            actual = self._stored_version(connection, key)
            raise StaleVersion(self._layout.kind, key, expected, actual)

    def _insert(self, row: dict[str, object], on_conflict: sql.Composable) -> sql.Composed:
        return sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) {}").format(
            self._table,
            sql.SQL(", ").join(map(sql.Identifier, row)),
            sql.SQL(", ").join(map(sql.Placeholder, row)),
            self._key_column,
            on_conflict,
        )

    def _upsert(self, row: dict[str, object]) -> sql.Composed:
        return self._insert(row, sql.SQL("DO UPDATE SET {}").format(self._assignments(row)))

    def _update(self, row: dict[str, object]) -> sql.Composed:
        return sql.SQL("UPDATE {} SET {} WHERE {} = {} AND version = %(expected)s").format(
            self._table,
            self._assignments(row, sql.Placeholder),
            self._key_column,
            sql.Placeholder(self._layout.key_column),
        )

    def _assignments(
        self, row: dict[str, object], new: Callable[[str], sql.Composable] = _excluded
    ) -> sql.Composed:
        """``column = EXCLUDED.column, ...`` (or another ``new`` value) for all but the key."""
        return sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(name), new(name))
            for name in row
            if name != self._layout.key_column
        )


class PostgresProducts(PostgresDocuments[Product]):
    """Products by id, found by SKU id too (see :class:`~mallcore.ports.ProductRepository`)."""

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, PRODUCTS)

    def get_by_sku(self, sku_id: str) -> Product:
        """The product holding SKU ``sku_id``, or NotFound."""
        return self._load(
            sql.SQL(
                "SELECT products.value FROM product_skus"
                " JOIN products ON products.id = product_skus.product_id"
                " WHERE product_skus.sku_id = %s"
            ),
            (sku_id,),
            "SKU",
            sku_id,
        )


class PostgresOrders(PostgresDocuments[Order]):
    """Orders by id (see :class:`~mallcore.ports.OrderRepository`).

    Lists are in code-point order of the ids (``COLLATE "C"``), whatever the
    database's collation.
    """

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, ORDERS)

    def awaiting_payment(self, *, due_by: datetime) -> Sequence[str]:
        """Ids of unpaid orders whose deadline is at or before ``due_by``, oldest first."""
        rows = self._uow._query(
            sql.SQL(
                "SELECT id FROM orders WHERE status = %s AND pay_by_us <= %s"
                ' ORDER BY pay_by_us, id COLLATE "C"'
            ),
            (OrderStatus.AWAITING_PAYMENT.value, microseconds(due_by)),
        )
        return [row[0] for row in rows]

    def due_for_completion(self) -> Sequence[str]:
        """Ids of shipped or delivered orders."""
        rows = self._uow._query(
            sql.SQL('SELECT id FROM orders WHERE status IN (%s, %s) ORDER BY id COLLATE "C"'),
            (OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value),
        )
        return [row[0] for row in rows]

    def get_by_waybill(self, waybill: str) -> Order:
        """The order with a package under ``waybill``, or NotFound."""
        return self._load(
            sql.SQL(
                "SELECT orders.value FROM order_waybills"
                " JOIN orders ON orders.id = order_waybills.order_id"
                " WHERE order_waybills.waybill = %s"
            ),
            (waybill,),
            "order with waybill",
            waybill,
        )


class PostgresCounters:
    """Counts kept within limits (coupon uses, flash-sale units), changed by conditional updates.

    A building block for the counter port: ``add`` changes the count at once
    inside the unit of work's transaction (begun by it), so the row stays
    locked until commit or rollback; a commit keeps the change, a rollback
    drops it. A count never stored is 0.
    """

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        self._uow = uow

    def get(self, key: str) -> int:
        """The count under ``key`` as this unit of work sees it."""
        rows = self._uow._query(sql.SQL("SELECT value FROM counters WHERE key = %s"), (key,))
        return int(rows[0][0]) if rows else 0

    def add(self, key: str, amount: int, *, limit: int) -> bool:
        """Add ``amount`` (negative: give back) if the count stays within 0 and ``limit``.

        Returns whether it did; a refused change changes nothing.
        """

        def change(connection: Connection) -> bool:
            _begin(connection)
            connection.execute(
                "INSERT INTO counters (key, value) VALUES (%s, 0) ON CONFLICT (key) DO NOTHING",
                (key,),
            )
            changed = connection.execute(
                "UPDATE counters SET value = value + %(amount)s"
                " WHERE key = %(key)s AND value + %(amount)s BETWEEN 0 AND %(limit)s",
                {"key": key, "amount": amount, "limit": limit},
            )
            return changed.rowcount == 1

        return self._uow._in_connection(change)


class PostgresUnitOfWork:
    """A transaction over a PostgreSQL database (see :class:`~mallcore.ports.UnitOfWork`).

    Open one per command on the process's :class:`PostgresDatabase`; it
    borrows a pooled connection for its ``with`` block.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        self._connection: Connection | None = None
        self.products = PostgresProducts(self)
        self.stocks = PostgresDocuments[Stock](self, STOCKS)
        self.orders = PostgresOrders(self)
        self.points = PostgresDocuments[PointsAccount](self, POINTS)
        self.counters = PostgresCounters(self)
        self._repositories: tuple[PostgresDocuments[Any], ...] = (
            self.products,
            self.stocks,
            self.orders,
            self.points,
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
        """Drop whatever was not committed, and give the connection back to the pool."""
        try:
            self.rollback()
        finally:
            if self._connection is not None:
                self._database.give_back(self._connection)
            self._connection = None

    def commit(self) -> None:
        """Write every pending save in one transaction, or raise StaleVersion and write none."""
        try:
            if self._writing() or any(repository.pending for repository in self._repositories):
                self._in_connection(self._write_checked)
        finally:
            self.rollback()

    def rollback(self) -> None:
        """Drop every pending save and counter change; reads see what is committed now."""
        for repository in self._repositories:
            repository.forget()
        if self._connection is not None and self._writing():
            with _translated():
                self._connection.execute("ROLLBACK")

    def _writing(self) -> bool:
        """Whether a transaction is open (a counter changed), to be committed or rolled back."""
        return self._connection is not None and _in_transaction(self._connection)

    def _write_checked(self, connection: Connection) -> None:
        _begin(connection)
        for repository in self._repositories:
            repository._write(connection, checked=True)
        connection.execute("COMMIT")

    def _query(self, query: Query, parameters: Sequence[object]) -> list[Any]:
        """The rows of ``query`` as this unit of work sees the database, pending saves included."""

        def select(connection: Connection) -> list[Any]:
            if not any(repository.pending for repository in self._repositories):
                return connection.execute(query, parameters).fetchall()
            with connection.transaction(force_rollback=True):
                for repository in self._repositories:
                    repository._write(connection, checked=False)
                return connection.execute(query, parameters).fetchall()

        return self._in_connection(select)

    def _in_connection(self, work: Callable[[Connection], V]) -> V:
        """Run ``work`` on this unit of work's connection, the driver's errors translated."""
        with _translated():
            if self._connection is None:
                self._connection = self._database.borrow()
            return work(self._connection)
