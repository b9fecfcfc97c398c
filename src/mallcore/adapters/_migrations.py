"""The numbered schema migrations of the PostgreSQL adapter.

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

A migration published once is never edited (a database that applied it
would not see the change): a change is a new migration. The tables are the
SQLite adapter's (its own numbered list, in :mod:`mallcore.adapters.sqlite`,
also carries the data-moving steps that files of earlier releases need).
"""

from __future__ import annotations

from typing import Final

import attrs

from mallcore.adapters._holds import HOLD_TABLE

__all__ = ["LATEST", "MIGRATIONS", "Migration", "document_table", "pending"]


_HOLDS_FROM_DOCUMENTS: Final = (
    "INSERT INTO stock_holds (sku_id, order_id, quantity, expires_us)"
    " SELECT stocks.sku_id,"
    " CASE WHEN jsonb_typeof(entry) = 'array' THEN entry->>0 ELSE entry->>'order_id' END,"
    " (CASE WHEN jsonb_typeof(entry) = 'array' THEN {quantity}"
    " ELSE entry->>'quantity' END)::bigint,"
    " (CASE WHEN jsonb_typeof(entry) = 'array' THEN {expires}"
    " WHEN entry->>'expires_at' IS NULL THEN NULL ELSE {object_expires} END)::bigint"
    " FROM stocks, jsonb_array_elements(stocks.value::jsonb -> '{entries}') AS entry"
    " ON CONFLICT (sku_id, order_id) DO NOTHING"
)
"""Schema 6 kept holds in the stock documents, as rows or objects: each becomes a row."""


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
    Migration(
        4,
        "the Mall: listing columns, configuration versions, members, stock movements, coupons",
        (
            "ALTER TABLE products ADD COLUMN IF NOT EXISTS category_id TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE products ADD COLUMN IF NOT EXISTS status TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX IF NOT EXISTS products_by_category ON products (category_id, status, id)",
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS customer_id TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS placed_at_us BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX IF NOT EXISTS orders_by_customer"
            " ON orders (customer_id, placed_at_us, id)",
            "CREATE INDEX IF NOT EXISTS orders_by_status_placed"
            " ON orders (status, placed_at_us, id)",
            "CREATE TABLE IF NOT EXISTS configurations"
            " (version BIGINT PRIMARY KEY, value TEXT NOT NULL)",
            document_table(
                "members",
                "customer_id",
                "birth_month INTEGER",
                "birth_day INTEGER",
                "registered_us BIGINT NOT NULL",
            ),
            "CREATE INDEX IF NOT EXISTS members_by_birthday"
            " ON members (birth_month, birth_day, customer_id)",
            "CREATE INDEX IF NOT EXISTS members_by_registration"
            " ON members (registered_us, customer_id)",
            "CREATE TABLE IF NOT EXISTS stock_movements (sku_id TEXT NOT NULL,"
            " order_id TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (sku_id, order_id))",
            document_table("coupon_templates", "id", "code TEXT"),
            "CREATE INDEX IF NOT EXISTS coupon_templates_by_code ON coupon_templates (code)",
            "CREATE TABLE IF NOT EXISTS coupon_codes"
            " (code TEXT PRIMARY KEY, template_id TEXT NOT NULL)",
            document_table("coupons", "id", "customer_id TEXT NOT NULL"),
            "CREATE INDEX IF NOT EXISTS coupons_by_customer ON coupons (customer_id, id)",
        ),
    ),
    Migration(
        5,
        "the outbox: events committed with the state, and each aggregate's last sequence",
        (
            "CREATE TABLE IF NOT EXISTS outbox"
            " (position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " id TEXT NOT NULL UNIQUE, aggregate_kind TEXT NOT NULL,"
            " aggregate_id TEXT NOT NULL, sequence BIGINT NOT NULL, occurred_at TEXT NOT NULL,"
            " kind TEXT NOT NULL, payload TEXT NOT NULL, published_us BIGINT,"
            " UNIQUE (aggregate_kind, aggregate_id, sequence))",
            "CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (position)"
            " WHERE published_us IS NULL",
            "CREATE INDEX IF NOT EXISTS outbox_by_publication ON outbox (published_us)",
            "CREATE TABLE IF NOT EXISTS outbox_sequences (aggregate_kind TEXT NOT NULL,"
            " aggregate_id TEXT NOT NULL, sequence BIGINT NOT NULL,"
            " PRIMARY KEY (aggregate_kind, aggregate_id))",
        ),
    ),
    Migration(
        6,
        "payment records and after-sales cases",
        (
            document_table("payments", "id", "order_id TEXT NOT NULL", "first_us BIGINT NOT NULL"),
            "CREATE INDEX IF NOT EXISTS payments_by_order ON payments (order_id, first_us, id)",
            document_table(
                "after_sales_cases",
                "id",
                "order_id TEXT NOT NULL",
                "status TEXT NOT NULL",
                "requested_us BIGINT NOT NULL",
            ),
            "CREATE INDEX IF NOT EXISTS after_sales_by_order"
            " ON after_sales_cases (order_id, requested_us, id)",
            "CREATE INDEX IF NOT EXISTS after_sales_by_status ON after_sales_cases (status, id)",
        ),
    ),
    Migration(
        7,
        "stock holds: the unpaid orders' holds move out of the stock documents",
        (
            *HOLD_TABLE,
            _HOLDS_FROM_DOCUMENTS.format(
                entries="reservations",
                quantity="entry->>1",
                expires="(entry->>2)::bigint",
                object_expires="(extract(epoch FROM (entry->>'expires_at')::timestamptz)"
                " * 1000000)::bigint",
            ),
            _HOLDS_FROM_DOCUMENTS.format(
                entries="deductions", quantity="entry->>1", expires="NULL", object_expires="NULL"
            ),
            "UPDATE stocks SET value = ((value::jsonb - 'reservations' - 'deductions')"
            " || jsonb_build_object('reserved', (SELECT COALESCE(SUM((CASE"
            " WHEN jsonb_typeof(entry) = 'array' THEN entry->>1 ELSE entry->>'quantity' END"
            ")::bigint), 0) FROM jsonb_array_elements(value::jsonb -> 'reservations') AS entry)"
            "))::text WHERE value::jsonb ? 'reservations'",
        ),
    ),
    Migration(
        8,
        "orders.settle_by_us: a completed, unsettled order's after-sales deadline",
        (
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS settle_by_us BIGINT",
            "CREATE INDEX IF NOT EXISTS orders_by_settlement ON orders (settle_by_us, id)",
            # the oldest documents have no after_sales_until: completion plus the
            # window, as their upgrader (mallcore.shapes.upgrade_order_0) works it out
            "UPDATE orders SET settle_by_us = (extract(epoch FROM COALESCE("
            "(value::jsonb ->> 'after_sales_until')::timestamptz,"
            " (value::jsonb ->> 'completed_at')::timestamptz"
            " + (value::jsonb ->> 'after_sales_window')::numeric * interval '1 second'"
            ")) * 1000000)::bigint"
            " WHERE status = 'completed' AND value::jsonb ->> 'settled_at' IS NULL",
        ),
    ),
    Migration(
        9,
        "stocks.on_hand, reserved and policy: the counts a commit moves in place",
        (
            "ALTER TABLE stocks ADD COLUMN IF NOT EXISTS on_hand BIGINT NOT NULL DEFAULT 0,"
            " ADD COLUMN IF NOT EXISTS reserved BIGINT NOT NULL DEFAULT 0,"
            " ADD COLUMN IF NOT EXISTS policy TEXT NOT NULL DEFAULT 'deduct_on_payment'",
            "UPDATE stocks SET on_hand = (value::jsonb ->> 'on_hand')::bigint,"
            " reserved = COALESCE((value::jsonb ->> 'reserved')::bigint, 0),"
            " policy = COALESCE(value::jsonb ->> 'policy', 'deduct_on_payment')",
        ),
    ),
)
"""Every migration, in order."""

LATEST: Final = MIGRATIONS[-1].number
"""The schema this mallcore writes: the number of its last migration."""


def pending(applied: int) -> tuple[Migration, ...]:
    """The migrations a database at ``applied`` still needs, in order.

    >>> [migration.number for migration in pending(1)]
    [2, 3, 4, 5, 6, 7, 8, 9]
    """
    return tuple(migration for migration in MIGRATIONS if migration.number > applied)
