"""The numbered schema migrations of the SQL adapters, one list for every database.

Each :class:`Migration` has a number (1, 2, 3, ... with no gaps) and the
statements that take a database from the schema before it to the schema
after it. A database records the numbers applied; at start-up an
adapter applies every later migration, in order, in one transaction with
their records, while holding a lock that other processes starting at the
same moment wait for (PostgreSQL: an advisory lock; SQLite: the write lock
of ``BEGIN IMMEDIATE``). A process that waited finds the work done and
applies nothing. A database whose number is higher than
:data:`LATEST` was migrated by a newer mallcore, and this one refuses it
rather than guess at tables it does not know.

The statements are written in the SQL that SQLite and PostgreSQL share
(``TEXT``, ``BIGINT``, ``PRIMARY KEY``, ``CREATE ... IF NOT EXISTS``), so
one list serves both; a migration published once is never edited (a
database that applied it would not see the change): a change is a new
migration.

Migrations 1 and 2 are the tables SQLite's ``PRAGMA user_version`` 1 and 2
stand for, so a SQLite file written before this list existed is at the
number it already records.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["LATEST", "MIGRATIONS", "Migration", "document_table", "pending"]


def document_table(table: str, key_column: str, *columns: str) -> str:
    """The table of a versioned document: its key, its version, ``columns``, the JSON value."""
    extra = "".join(f", {column}" for column in columns)
    return (
        f"CREATE TABLE IF NOT EXISTS {table} ({key_column} TEXT PRIMARY KEY,"
        f" version BIGINT NOT NULL{extra}, value TEXT NOT NULL)"
    )


@attrs.frozen
class Migration:
    """Schema step ``number``: what it adds (``summary``) and the statements that add it."""

    number: int
    summary: str
    statements: tuple[str, ...]


MIGRATIONS: Final = (
    Migration(
        1,
        "products with their SKUs, stock, orders with their waybills",
        (
            "CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS product_skus"
            " (sku_id TEXT PRIMARY KEY, product_id TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS product_skus_by_product ON product_skus (product_id)",
            document_table("stocks", "sku_id"),
            document_table("orders", "id", "status TEXT NOT NULL", "pay_by_us BIGINT NOT NULL"),
            "CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, pay_by_us, id)",
            "CREATE TABLE IF NOT EXISTS order_waybills"
            " (waybill TEXT PRIMARY KEY, order_id TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS order_waybills_by_order ON order_waybills (order_id)",
        ),
    ),
    Migration(2, "points accounts", (document_table("points_accounts", "account_id"),)),
    Migration(
        3,
        "counters: usage and allotment counts, changed by conditional updates",
        ("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",),
    ),
)
"""Every migration, in order."""

LATEST: Final = MIGRATIONS[-1].number
"""The schema this mallcore writes: the number of its last migration."""


def pending(applied: int) -> tuple[Migration, ...]:
    """The migrations a database at ``applied`` still needs, in order.

    >>> [migration.number for migration in pending(1)]
    [2, 3]
    """
    return tuple(migration for migration in MIGRATIONS if migration.number > applied)
