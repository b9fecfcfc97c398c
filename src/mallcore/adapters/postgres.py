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
- :meth:`PostgresUnitOfWork.lock` begins the transaction with the next
  statement; from then on a versioned value is read with ``SELECT ... FOR
  UPDATE``, so a command that reads, decides and writes holds the rows it
  read until it commits: concurrent commands on one order or coupon queue
  on its lock instead of failing with StaleVersion, and commands on other
  rows run side by side.
  A deadlock between two such commands is StaleVersion (the Mall runs the
  command again).
- :meth:`PostgresUnitOfWork.read_ahead` sends the reads a command names
  (with the ``BEGIN`` a lock owes) as one pipeline and keeps their rows,
  each for the one read that follows (docs/adapters.md, "Reading ahead").
- A stock is the exception: read without a lock, its counts moved at
  commit by ``UPDATE stocks SET reserved = reserved + n ... WHERE`` the
  result keeps the stock's rules (:mod:`mallcore.adapters._stocks`), sent
  last in the commit. Checkouts of one hot SKU hold its row only while
  their commits run, not across their reads and Python; one the units no
  longer allow is StaleVersion, and the Mall runs it again on fresh counts.
- ``counters`` change at commit, by a conditional ``UPDATE ... WHERE value +
  n <= limit`` in the commit's transaction: the row lock makes concurrent
  additions queue, and a limit reached is LimitReached, nothing kept.
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
import functools
import math
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Generic, Literal, Self, TypeVar

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool

from mallcore._fields import seconds, whole_number
from mallcore.adapters._holds import SqlStockHolds
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
from mallcore.adapters._migrations import LATEST, pending
from mallcore.adapters._sql import Check, changed_one
from mallcore.adapters._stocks import SqlStocks
from mallcore.adapters._tables import (
    SqlConfigurations,
    SqlCounters,
    SqlCouponCodes,
    SqlStockMovements,
)
from mallcore.catalog import ListingStatus, Product
from mallcore.coupons import CouponInstance, CouponTemplate
from mallcore.errors import (
    InvalidValue,
    NotFound,
    StaleVersion,
    Unavailable,
    WrongType,
)
from mallcore.loyalty import Member, PointsAccount
from mallcore.orders import OPEN_CASES, AfterSalesCase, Order, OrderStatus, Payment
from mallcore.ports.outbox import OutboxEvent, check_place
from mallcore.ports.storage import ReadAhead, page_bounds
from mallcore.shapes import (
    dump_event_document,
    load_event_document,
)

__all__ = [
    "ISOLATION_LEVEL",
    "MIGRATION_LOCK",
    "PostgresAfterSales",
    "PostgresCouponTemplates",
    "PostgresCoupons",
    "PostgresDatabase",
    "PostgresDocuments",
    "PostgresMembers",
    "PostgresOrders",
    "PostgresOutbox",
    "PostgresPayments",
    "PostgresProducts",
    "PostgresUnitOfWork",
]

ISOLATION_LEVEL: Final = "READ COMMITTED"
"""The isolation level of every transaction a unit of work runs."""

MIGRATION_LOCK: Final = 0x6D616C6C636F7265
"""The advisory lock key ("mallcore") held while migrating, so one process migrates at a time."""

V = TypeVar("V")
Connection = psycopg.Connection[tuple[Any, ...]]
_SERVICE = "postgresql"


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Turn the driver's errors into the port's.

    A deadlock between two commands' row locks is a conflict like any other
    (StaleVersion: the Mall runs the command again); anything else means the
    database cannot serve now (Unavailable).
    """
    try:
        yield
    except psycopg.errors.DeadlockDetected as exc:
        raise StaleVersion("row lock", "deadlock", -1, -1) from exc
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
    dsn: object, *, min_size: int, max_size: int, timeouts: tuple[float, float], check_after: float
) -> None:
    """Refuse settings psycopg would take badly: a DSN that is no string, sizes or timeouts."""
    if not isinstance(dsn, str):
        raise WrongType("dsn", dsn, "str")
    whole_number("min_size", min_size, 0)
    whole_number("max_size", max_size, 1)
    if min_size > max_size:
        raise InvalidValue(
            "min_size, max_size",
            (min_size, max_size),
            "need 0 <= min_size <= max_size, 1 <= max_size",
        )
    for field, value in zip(("timeout", "statement_timeout"), timeouts, strict=True):
        seconds(field, value)
    seconds("check_after", check_after, zero=True)


@functools.cache
def _select_sql(table: str, key_column: str, column: str, *, locked: bool) -> str:
    """``SELECT column FROM table WHERE key = %s``, ``FOR UPDATE`` when ``locked``.

    This and :func:`_write_sql` are composed once per table and kept as text:
    composing them for every statement cost more than a tenth of a millisecond.
    """
    query = sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
        sql.Identifier(column), sql.Identifier(table), sql.Identifier(key_column)
    )
    return (query + sql.SQL(" FOR UPDATE") if locked else query).as_string(None)


@functools.cache
def _write_sql(
    table: str,
    key_column: str,
    columns: tuple[str, ...],
    how: Literal["insert", "upsert", "update"],
) -> str:
    """The statement that writes a row of ``columns``, with a ``%(column)s`` placeholder each.

    ``insert`` does nothing on a taken key, ``upsert`` overwrites it, and
    ``update`` changes the row only where ``version = %(expected)s``.
    """
    names = [sql.Identifier(column) for column in columns]
    key = sql.Identifier(key_column)

    def assignments(new: Callable[[str], sql.Composable]) -> sql.Composable:
        return sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(column), new(column))
            for column in columns
            if column != key_column
        )

    if how == "update":
        query = sql.SQL("UPDATE {} SET {} WHERE {} = {} AND version = %(expected)s").format(
            sql.Identifier(table), assignments(sql.Placeholder), key, sql.Placeholder(key_column)
        )
    else:
        excluded = assignments(lambda column: sql.SQL("EXCLUDED.{}").format(sql.Identifier(column)))
        on_conflict = (
            sql.SQL("DO NOTHING")
            if how == "insert"
            else sql.SQL("DO UPDATE SET {}").format(excluded)
        )
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) {}").format(
            sql.Identifier(table),
            sql.SQL(", ").join(names),
            sql.SQL(", ").join(map(sql.Placeholder, columns)),
            key,
            on_conflict,
        )
    return query.as_string(None)


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database with mallcore's schema; one per process.

    ``dsn`` is a libpq connection string or URI, as the host configures it.
    Opening migrates the schema (``migrate=False``: only checks it is
    current, for hosts whose database role may not change tables). The pool
    keeps ``min_size`` to ``max_size`` connections; one idle for more than
    ``check_after`` seconds is checked before it is lent again (0: every
    time). A unit of work waits at most ``timeout`` seconds for one, and a
    statement runs at most ``statement_timeout`` seconds. Any of these failing raises
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
        check_after: float = 1.0,
        migrate: bool = True,
    ) -> None:
        _check_settings(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeouts=(timeout, statement_timeout),
            check_after=check_after,
        )
        self._statement_timeout_ms = f"{round(statement_timeout * 1000):d}"
        self._check_after = check_after
        self._given_back: weakref.WeakKeyDictionary[Connection, float] = weakref.WeakKeyDictionary()
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
                check=self._check,
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

    def _check(self, connection: Connection) -> None:
        """Make sure ``connection`` still works (one round trip) unless it was just used.

        A connection given back less than ``check_after`` seconds ago is
        lent unchecked, as connection pools commonly do (HikariCP: 500 ms):
        the check is a round trip, and checking each unit of work's
        connection is one statement in every command.
        """
        given_back = self._given_back.get(connection)
        if given_back is None or time.monotonic() - given_back >= self._check_after:
            ConnectionPool.check_connection(connection)

    def borrow(self) -> Connection:
        """A connection from the pool for one unit of work; :meth:`give_back` returns it."""
        with _translated():
            return self._pool.getconn()

    def give_back(self, connection: Connection) -> None:
        """Return a connection :meth:`borrow` lent."""
        self._given_back[connection] = time.monotonic()
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

    Points accounts are this class as it is (see
    :class:`~mallcore.ports.PointsRepository`); repositories with queries
    subclass it.
    """

    def __init__(self, uow: PostgresUnitOfWork, layout: Layout[V]) -> None:
        self._uow = uow
        self._layout = layout
        self.pending: dict[str, V] = {}
        self._based_on: dict[str, int] = {}
        """The stored version each pending save builds on (-1: a new key)."""
        self._seen: dict[str, int] = {}
        """The version ``get`` read under each key (-1: none), so ``save`` need not ask again."""
        self._rows: dict[str, dict[str, object]] = {}
        """Each pending save's row, written out when it is saved: the JSON is not built under
        the row locks the commit holds."""

    def get(self, key: str) -> V:
        """The value under ``key`` (this unit of work's own save first), or NotFound.

        Read as committed (other pending saves cannot change one key's row),
        and locked until commit when the unit of work is locked.
        """
        if key in self.pending:
            return self.pending[key]
        layout = self._layout
        rows = self._uow._fetch(*self._read(key))
        if not rows:
            self._seen[key] = -1
            raise NotFound(layout.kind, key)
        value = layout.load(rows[0][0], key)
        if layout.version is not None:
            self._seen[key] = layout.version(value)
        return value

    def _read(self, key: str) -> tuple[str, tuple[object, ...]]:
        """What :meth:`get` reads: its statement and parameters."""
        layout = self._layout
        locked = self._uow._locked and layout.version is not None
        return _select_sql(layout.table, layout.key_column, "value", locked=locked), (key,)

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
        self._rows[key] = layout.row(value)

    def forget(self) -> None:
        """Drop the pending saves and the versions seen."""
        self.pending.clear()
        self._based_on.clear()
        self._seen.clear()
        self._rows.clear()

    def _seen_version(self, key: str) -> int:
        """The version this unit of work sees under ``key``; -1 when nothing is stored."""
        if key in self.pending and self._layout.version is not None:
            return self._layout.version(self.pending[key])
        if key in self._seen:
            return self._seen[key]
        return self._uow._in_connection(lambda connection: self._stored_version(connection, key))

    def _stored_version(self, connection: Connection, key: str) -> int:
        layout = self._layout
        query = _select_sql(layout.table, layout.key_column, "version", locked=False)
        row = connection.execute(query, (key,)).fetchone()
        return -1 if row is None else int(row[0])

    def _load(self, query: str, parameters: Sequence[object], kind: str, key: str) -> V:
        """The one value ``query`` selects as this unit of work sees it, or NotFound(kind, key)."""
        rows = self._uow._query(query, parameters)
        if not rows:
            raise NotFound(kind, key)
        return self._layout.load(rows[0][0], key)

    def _load_all(self, query: str, parameters: Sequence[object]) -> list[V]:
        """Every value ``query`` selects as this unit of work sees it, in its order."""
        return [self._layout.load(text) for (text,) in self._uow._query(query, parameters)]

    def _write(self, connection: Connection, *, checked: bool) -> list[Check]:
        """Write the pending saves; ``checked``: refuse any not based on the stored version."""
        layout = self._layout
        checks = []
        for key in sorted(self.pending):
            value, row = self.pending[key], self._rows[key]
            if checked and layout.version is not None:
                checks.append(
                    self._write_checked(connection, key, row, expected=self._based_on[key])
                )
            else:
                connection.execute(self._sql(row, "upsert"), row)
            side = layout.side
            if side is not None:
                table, owner = sql.Identifier(side.table), sql.Identifier(side.owner)
                column = sql.Identifier(side.column)
                if not (checked and self._based_on.get(key) == -1):  # a new key owns none yet
                    connection.execute(
                        sql.SQL("DELETE FROM {} WHERE {} = %s").format(table, owner), (key,)
                    )
                side_keys = sorted(side.keys(value))
                if side_keys:
                    connection.cursor().executemany(
                        sql.SQL(
                            "INSERT INTO {table} ({column}, {owner}) VALUES (%s, %s)"
                            " ON CONFLICT ({column}) DO UPDATE SET {owner} = EXCLUDED.{owner}"
                        ).format(table=table, column=column, owner=owner),
                        [(side_key, key) for side_key in side_keys],
                    )
        return checks

    def _write_checked(
        self, connection: Connection, key: str, row: dict[str, object], *, expected: int
    ) -> Check:
        """Write ``row`` if the stored version is ``expected`` (-1: none); the check of that."""
        if expected < 0:
            written = connection.execute(self._sql(row, "insert"), row)
        else:
            written = connection.execute(self._sql(row, "update"), {**row, "expected": expected})

        def stale() -> StaleVersion:
            actual = self._stored_version(connection, key)
            return StaleVersion(self._layout.kind, key, expected, actual)

        return changed_one(written, stale)

    def _sql(self, row: dict[str, object], how: Literal["insert", "upsert", "update"]) -> str:
        return _write_sql(self._layout.table, self._layout.key_column, tuple(row), how)


class PostgresProducts(PostgresDocuments[Product]):
    """Products by id, found by SKU id too (see :class:`~mallcore.ports.ProductRepository`)."""

    BY_SKU: Final = (
        "SELECT products.value FROM product_skus"
        " JOIN products ON products.id = product_skus.product_id"
        " WHERE product_skus.sku_id = %s"
    )
    """What :meth:`get_by_sku` reads."""

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, PRODUCTS)

    def get_by_sku(self, sku_id: str) -> Product:
        """The product holding SKU ``sku_id``, or NotFound."""
        return self._load(self.BY_SKU, (sku_id,), "SKU", sku_id)

    def in_category(
        self,
        category_id: str,
        *,
        status: ListingStatus | None = None,
        limit: int,
        offset: int = 0,
    ) -> Sequence[Product]:
        """Products of ``category_id`` (in ``status``), by id."""
        limit, offset = page_bounds(limit, offset)
        return self._load_all(
            (
                "SELECT value FROM products WHERE category_id = %s"
                " AND (%s::text IS NULL OR status = %s)"
                ' ORDER BY id COLLATE "C" LIMIT %s OFFSET %s'
            ),
            (category_id, *[None if status is None else status.value] * 2, limit, offset),
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
            (
                "SELECT id FROM orders WHERE status = %s AND pay_by_us <= %s"
                ' ORDER BY pay_by_us, id COLLATE "C"'
            ),
            (OrderStatus.AWAITING_PAYMENT.value, microseconds(due_by)),
        )
        return [row[0] for row in rows]

    def due_for_completion(self) -> Sequence[str]:
        """Ids of shipped or delivered orders."""
        rows = self._uow._query(
            'SELECT id FROM orders WHERE status IN (%s, %s) ORDER BY id COLLATE "C"',
            (OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value),
        )
        return [row[0] for row in rows]

    def due_for_settlement(self, *, due_by: datetime) -> Sequence[str]:
        """Completed, unsettled orders whose window ended before ``due_by``, soonest first."""
        rows = self._uow._query(
            'SELECT id FROM orders WHERE settle_by_us < %s ORDER BY settle_by_us, id COLLATE "C"',
            (microseconds(due_by),),
        )
        return [row[0] for row in rows]

    def get_by_waybill(self, waybill: str) -> Order:
        """The order with a package under ``waybill``, or NotFound."""
        return self._load(
            (
                "SELECT orders.value FROM order_waybills"
                " JOIN orders ON orders.id = order_waybills.order_id"
                " WHERE order_waybills.waybill = %s"
            ),
            (waybill,),
            "order with waybill",
            waybill,
        )

    def of_customer(self, customer_id: str, *, limit: int, offset: int = 0) -> Sequence[Order]:
        """The orders of ``customer_id``, newest first."""
        limit, offset = page_bounds(limit, offset)
        return self._load_all(
            (
                "SELECT value FROM orders WHERE customer_id = %s"
                ' ORDER BY placed_at_us DESC, id COLLATE "C" DESC LIMIT %s OFFSET %s'
            ),
            (customer_id, limit, offset),
        )

    def with_status(self, status: OrderStatus, *, limit: int, offset: int = 0) -> Sequence[Order]:
        """The orders in ``status``, oldest first."""
        limit, offset = page_bounds(limit, offset)
        return self._load_all(
            (
                "SELECT value FROM orders WHERE status = %s"
                ' ORDER BY placed_at_us, id COLLATE "C" LIMIT %s OFFSET %s'
            ),
            (status.value, limit, offset),
        )


class PostgresPayments(PostgresDocuments[Payment]):
    """Payment records by provider id (see :class:`~mallcore.ports.PaymentRepository`)."""

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, PAYMENTS)

    def of_order(self, order_id: str) -> Sequence[Payment]:
        """The payments of ``order_id``, by first record time, then id."""
        return self._load_all(
            'SELECT value FROM payments WHERE order_id = %s ORDER BY first_us, id COLLATE "C"',
            (order_id,),
        )


class PostgresAfterSales(PostgresDocuments[AfterSalesCase]):
    """After-sales cases by id (see :class:`~mallcore.ports.AfterSalesRepository`)."""

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, AFTER_SALES)

    def of_order(self, order_id: str) -> Sequence[AfterSalesCase]:
        """The cases of ``order_id``, by request time, then id."""
        return self._load_all(
            (
                "SELECT value FROM after_sales_cases WHERE order_id = %s"
                ' ORDER BY requested_us, id COLLATE "C"'
            ),
            (order_id,),
        )

    def open_cases(self) -> Sequence[str]:
        """Ids of the open cases, sorted."""
        rows = self._uow._query(
            'SELECT id FROM after_sales_cases WHERE status = ANY(%s) ORDER BY id COLLATE "C"',
            (sorted(status.value for status in OPEN_CASES),),
        )
        return [row[0] for row in rows]


class PostgresMembers(PostgresDocuments[Member]):
    """Members by customer id (see :class:`~mallcore.ports.MemberRepository`)."""

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, MEMBERS)

    def born_on(self, month: int, day: int) -> Sequence[str]:
        """Ids of members whose birthday is ``month``/``day``, sorted."""
        rows = self._uow._query(
            (
                "SELECT customer_id FROM members WHERE birth_month = %s AND birth_day = %s"
                ' ORDER BY customer_id COLLATE "C"'
            ),
            (month, day),
        )
        return [row[0] for row in rows]

    def registered_between(self, start: datetime, end: datetime) -> Sequence[str]:
        """Ids of members registered in ``[start, end)``, oldest first (then id)."""
        rows = self._uow._query(
            (
                "SELECT customer_id FROM members WHERE registered_us >= %s AND registered_us < %s"
                ' ORDER BY registered_us, customer_id COLLATE "C"'
            ),
            (microseconds(start), microseconds(end)),
        )
        return [row[0] for row in rows]


class PostgresCouponTemplates(PostgresDocuments[CouponTemplate]):
    """Coupon templates and their codes (see :class:`~mallcore.ports.CouponTemplateRepository`)."""

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, COUPON_TEMPLATES)
        self.codes = SqlCouponCodes(placeholder="%s")

    def add_codes(self, template_id: str, codes: Sequence[str]) -> None:
        """Keep ``codes`` for the commit."""
        self.codes.pending.update(dict.fromkeys(codes, template_id))

    def find_by_code(self, code: str) -> CouponTemplate:
        """The template whose shared code, or one of whose generated codes, ``code`` is."""
        return self._load(
            (
                "SELECT value FROM coupon_templates WHERE code = %s UNION ALL"
                " SELECT coupon_templates.value FROM coupon_codes JOIN coupon_templates"
                " ON coupon_templates.id = coupon_codes.template_id"
                " WHERE coupon_codes.code = %s"
            ),
            (code, code),
            "coupon code",
            code,
        )


class PostgresCoupons(PostgresDocuments[CouponInstance]):
    """Coupons in wallets (see :class:`~mallcore.ports.CouponRepository`)."""

    OF_CUSTOMER: Final = 'SELECT value FROM coupons WHERE customer_id = %s ORDER BY id COLLATE "C"'
    """What :meth:`of_customer` reads."""

    def __init__(self, uow: PostgresUnitOfWork) -> None:
        super().__init__(uow, COUPONS)

    def of_customer(self, customer_id: str) -> Sequence[CouponInstance]:
        """``customer_id``'s coupons, by id."""
        return self._load_all(self.OF_CUSTOMER, (customer_id,))


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


class PostgresOutbox:
    """The events committed with the state (see :class:`~mallcore.ports.OutboxRepository`).

    A claim locks the envelopes it reads (``FOR UPDATE SKIP LOCKED``), so
    several relays run side by side, and hands out per aggregate only the
    run from its earliest unpublished envelope: a relay never hands on an
    aggregate's event before one another relay still holds.
    """

    def __init__(self, uow: PostgresUnitOfWork) -> None:
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
        """The oldest unpublished envelopes no other relay holds, locked until commit.

        Per aggregate only the run that starts at its earliest unpublished
        envelope is handed out: one whose predecessor another relay holds
        stays locked here, unpublished, for a later claim.
        """
        limit, _ = page_bounds(limit, 0)
        self._uow.lock()
        done = list(self.published)

        def select(connection: Connection) -> list[Any]:
            rows = connection.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE published_us IS NULL"
                " AND id <> ALL(%s) ORDER BY position LIMIT %s FOR UPDATE SKIP LOCKED",
                (done, limit),
            ).fetchall()
            firsts = connection.execute(
                "SELECT aggregate_kind, aggregate_id, min(sequence) FROM outbox"
                " WHERE published_us IS NULL AND id <> ALL(%s)"
                " AND (aggregate_kind, aggregate_id) IN"
                " (SELECT * FROM unnest(%s::text[], %s::text[]))"
                " GROUP BY aggregate_kind, aggregate_id",
                (done, [row[1] for row in rows], [row[2] for row in rows]),
            ).fetchall()
            expected = {(kind, key): int(first) for kind, key, first in firsts}
            kept = []
            for row in sorted(rows, key=lambda row: int(row[3])):
                aggregate = (row[1], row[2])
                if int(row[3]) == expected.get(aggregate):
                    expected[aggregate] += 1
                    kept.append(row)
            positions = {row[0]: index for index, row in enumerate(rows)}
            return sorted(kept, key=lambda row: positions[row[0]])

        return [_envelope(row) for row in self._uow._in_connection(select)]

    def mark_published(self, ids: Sequence[str], *, at: datetime) -> None:
        """Record ``ids`` as published at ``at``, at commit."""
        self.published.update(dict.fromkeys(ids, at))

    def purge(self, *, before: datetime) -> int:
        """Delete, at commit, the envelopes published before ``before``; how many."""
        self.purge_before = before if self.purge_before is None else max(before, self.purge_before)
        cutoff = microseconds(self.purge_before)
        rows = self._uow._in_connection(
            lambda connection: connection.execute(
                "SELECT count(*) FROM outbox WHERE published_us < %s", (cutoff,)
            ).fetchall()
        )
        marked = sum(1 for at in self.published.values() if microseconds(at) < cutoff)
        return int(rows[0][0]) + marked

    def of_aggregate(self, aggregate_kind: str, aggregate_id: str) -> Sequence[OutboxEvent]:
        """The committed envelopes of one aggregate, by sequence."""
        rows = self._uow._in_connection(
            lambda connection: connection.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox"
                " WHERE aggregate_kind = %s AND aggregate_id = %s ORDER BY sequence",
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

    def _write(self, connection: Connection, *, checked: bool) -> list[Check]:
        if not checked:
            return []  # no query reads the outbox through pending saves
        checks = [self._append(connection)] if self.appended else []
        for event_id, at in sorted(self.published.items()):
            connection.execute(
                "UPDATE outbox SET published_us = %s WHERE id = %s AND published_us IS NULL",
                (microseconds(at), event_id),
            )
        if self.purge_before is not None:
            connection.execute(
                "DELETE FROM outbox WHERE published_us < %s", (microseconds(self.purge_before),)
            )
        return checks

    def _append(self, connection: Connection) -> Check:
        """Number and insert the appended envelopes, in order, in few statements; the check.

        Each aggregate's sequence row moves up by its count of appends (a new
        row starts there), locked until the commit; each envelope's number
        is the row's old value plus its place. An id stored already inserts
        nothing: StaleVersion. :data:`_APPENDS_PER_STATEMENT` go in one
        statement, their places counted within it.
        """
        events = self.appended
        cursors = []
        before: dict[tuple[str, str], int] = {}
        for start in range(0, len(events), _APPENDS_PER_STATEMENT):
            chunk = events[start : start + _APPENDS_PER_STATEMENT]
            values: list[object] = []
            for event in chunk:
                values += (event.id, event.aggregate_kind, event.aggregate_id)
                values.append(event.sequence - before.get(event.aggregate, 0))
                values += (event.occurred_at.isoformat(), *self._payloads[event.id])
            for event in chunk:
                before[event.aggregate] = event.sequence
            cursors.append(connection.execute(_append_sql(len(chunk)), values))

        def check() -> None:
            stored = {event_id for cursor in cursors for (event_id,) in cursor.fetchall()}
            for event in events:
                if event.id not in stored:
                    raise StaleVersion("outbox event", event.id, -1, 0)

        return check


_APPENDS_PER_STATEMENT: Final = 1000
"""Envelopes one statement inserts (7 parameters each; PostgreSQL takes at most 65,535)."""


@functools.lru_cache(maxsize=32)
def _append_sql(count: int) -> str:
    """The statement that numbers and inserts ``count`` envelopes (see ``PostgresOutbox._append``).

    The envelopes come as ``VALUES`` rows, one parameter a field: passing
    them as arrays made the server parse seven arrays and the client quote
    every payload into one, which tripled the statement's time.
    """
    rows = ", ".join(f"(%s, %s, %s, %s::bigint, %s, %s, %s, {place})" for place in range(count))
    return (
        f"WITH new ({_OUTBOX_COLUMNS}, position) AS (VALUES {rows}),"
        " counted AS (SELECT aggregate_kind, aggregate_id, max(sequence) AS appended FROM new"
        " GROUP BY aggregate_kind, aggregate_id),"
        " moved AS (INSERT INTO outbox_sequences AS s (aggregate_kind, aggregate_id, sequence)"
        " SELECT * FROM counted"
        " ON CONFLICT (aggregate_kind, aggregate_id)"
        " DO UPDATE SET sequence = s.sequence + EXCLUDED.sequence"
        " RETURNING aggregate_kind, aggregate_id, sequence AS last)"
        f" INSERT INTO outbox ({_OUTBOX_COLUMNS}) SELECT new.id, aggregate_kind, aggregate_id,"
        " last - appended + new.sequence, new.occurred_at, new.kind, new.payload FROM new"
        " JOIN counted USING (aggregate_kind, aggregate_id)"
        " JOIN moved USING (aggregate_kind, aggregate_id) ORDER BY new.position"
        " ON CONFLICT DO NOTHING RETURNING id"
    )


_Part = (
    PostgresDocuments[Any]
    | SqlStocks
    | SqlStockHolds
    | SqlStockMovements
    | SqlConfigurations
    | SqlCouponCodes
    | SqlCounters
    | PostgresOutbox
)
"""What a unit of work writes at commit, each with ``pending``, ``forget`` and ``_write``."""


class PostgresUnitOfWork:
    """A transaction over a PostgreSQL database (see :class:`~mallcore.ports.UnitOfWork`).

    Open one per command on the process's :class:`PostgresDatabase`; it
    borrows a pooled connection for its ``with`` block.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        self._connection: Connection | None = None
        self._locked = False
        self._ahead: dict[str, dict[tuple[object, ...], list[Any]]] = {}
        """Rows :meth:`read_ahead` fetched, by statement, then parameters; each for one read.
        (By statement first: other queries' parameters may be lists, which cannot be keys.)"""
        self.products = PostgresProducts(self)
        self.stocks = SqlStocks(self, placeholder="%s")
        self.stock_holds = SqlStockHolds(self, placeholder="%s")
        self.stock_movements = SqlStockMovements(self, placeholder="%s")
        self.orders = PostgresOrders(self)
        self.points = PostgresDocuments[PointsAccount](self, POINTS)
        self.configuration = SqlConfigurations(self, placeholder="%s")
        self.members = PostgresMembers(self)
        self.coupon_templates = PostgresCouponTemplates(self)
        self.coupons = PostgresCoupons(self)
        self.counters = SqlCounters(self, placeholder="%s")
        self.outbox = PostgresOutbox(self)
        self.payments = PostgresPayments(self)
        self.after_sales = PostgresAfterSales(self)
        self._repositories: tuple[_Part, ...] = (
            self.products,
            self.stock_holds,
            self.stock_movements,
            self.orders,
            self.points,
            self.configuration,
            self.members,
            self.coupon_templates,
            self.coupon_templates.codes,
            self.coupons,
            self.payments,
            self.after_sales,
            self.counters,
            self.outbox,
            self.stocks,  # last: a hot SKU's row is then held for the shortest time
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

    def lock(self) -> None:
        """Begin the transaction with the next statement; versioned values read then are locked.

        Stock is not: its counts move at commit (see the module's docstring).
        The ``BEGIN`` goes with the next statement rather than alone, so that
        :meth:`read_ahead` can send it in its pipeline.
        """
        self._locked = True

    def read_ahead(self, reads: ReadAhead) -> None:
        """Send ``reads`` as one pipeline, after the ``BEGIN`` a lock owes, and keep the rows.

        Each read that follows takes its rows instead of a round trip of its
        own, once. Rows read ahead serve a query only while the unit of work
        has no pending saves the query would have to see (see :meth:`_query`).
        """
        statements = [
            *(self.orders._read(key) for key in reads.orders),
            *([(SqlConfigurations.CURRENT, ())] if reads.configuration else []),
            *((PostgresProducts.BY_SKU, (sku_id,)) for sku_id in reads.products_by_sku),
            *(self.members._read(key) for key in reads.members),
            *((PostgresCoupons.OF_CUSTOMER, (key,)) for key in reads.coupons_of_customer),
            *(self.stocks._read(sku_id) for sku_id in reads.stocks),
        ]
        if not statements:
            return
        with _translated():
            connection = self._connected()
            with connection.pipeline():
                if self._locked:
                    _begin(connection)
                cursors = [connection.execute(*statement) for statement in statements]
            for (query, parameters), cursor in zip(statements, cursors, strict=True):
                self._ahead.setdefault(query, {})[parameters] = cursor.fetchall()

    def commit(self) -> None:
        """Write every pending change in one transaction, or raise and write none.

        StaleVersion when another writer saved first, LimitReached when a
        counter would pass its limit; either way nothing is kept.
        """
        try:
            if self._writing() or any(repository.pending for repository in self._repositories):
                self._in_connection(self._write_checked)
        finally:
            self.rollback()

    def rollback(self) -> None:
        """Drop every pending change and the row locks; reads see what is committed now."""
        for repository in self._repositories:
            repository.forget()
        self._ahead.clear()
        self._locked = False
        if self._connection is not None and self._writing():
            with _translated():
                self._connection.execute("ROLLBACK")

    def _writing(self) -> bool:
        """Whether a transaction is open (the unit of work is locked), to end with it."""
        return self._connection is not None and _in_transaction(self._connection)

    def _write_checked(self, connection: Connection) -> None:
        """Send every pending write as one pipeline, check their results, then commit."""
        _begin(connection)
        with connection.pipeline():
            checks = [
                check
                for repository in self._repositories
                for check in repository._write(connection, checked=True)
            ]
        for check in checks:
            check()
        connection.execute("COMMIT")

    def _query(self, query: str, parameters: Sequence[object]) -> list[Any]:
        """The rows of ``query`` as this unit of work sees the database, pending saves included."""
        unread = (self.counters, self.outbox)
        if not any(part.pending for part in self._repositories if part not in unread):
            return self._fetch(query, tuple(parameters))

        def select(connection: Connection) -> list[Any]:
            with connection.transaction(force_rollback=True):
                for repository in self._repositories:
                    repository._write(connection, checked=False)
                return connection.execute(query, parameters).fetchall()

        return self._in_connection(select)

    def _fetch(self, query: str, parameters: tuple[object, ...]) -> list[Any]:
        """The rows of ``query`` as committed: those read ahead for it, else read now."""
        ahead = self._ahead.get(query)
        rows = None if ahead is None else ahead.pop(parameters, None)
        if rows is not None:
            return rows
        return self._in_connection(
            lambda connection: connection.execute(query, parameters).fetchall()
        )

    def _in_connection(self, work: Callable[[Connection], V]) -> V:
        """Run ``work`` on this unit of work's connection (begun if locked), errors translated."""
        with _translated():
            connection = self._connected()
            if self._locked:
                _begin(connection)
            return work(connection)

    def _connected(self) -> Connection:
        """This unit of work's connection, borrowed from the pool on first use."""
        if self._connection is None:
            self._connection = self._database.borrow()
        return self._connection
