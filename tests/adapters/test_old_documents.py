"""Documents written by earlier versions of mallcore still load, on every path they come by.

``fixtures/order-schema-4.json`` is an order as mallcore wrote it before
per-package delivery and the after-sales deadline (SQLite schema 4): a
completed order of two packages.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mallcore.adapters import SqliteUnitOfWork
from mallcore.adapters.sqlite import MIGRATIONS
from mallcore.orders import Order, OrderStatus
from mallcore.shapes import dump_document, load_document

OLD_ORDER = Path(__file__).parent / "fixtures" / "order-schema-4.json"
COMPLETED_AT = datetime(2026, 11, 14, 0, 5, tzinfo=UTC)
DELIVERED_AT = datetime(2026, 11, 13, 0, 5, tzinfo=UTC)


def _assert_upgraded(order: Order) -> None:
    assert order.status is OrderStatus.COMPLETED
    assert order.after_sales_until == COMPLETED_AT + timedelta(days=7)
    assert [s.delivered_at for s in order.shipments] == [DELIVERED_AT, DELIVERED_AT]


def test_an_order_written_before_package_delivery_loads_with_its_deadline_and_deliveries() -> None:
    order = load_document(OLD_ORDER.read_text(), Order)

    _assert_upgraded(order)
    assert load_document(dump_document(order), Order) == order


def test_an_old_order_in_a_schema_4_database_reads_back_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    text = OLD_ORDER.read_text()
    document = json.loads(text)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for migration in MIGRATIONS[:7]:
            migration(connection)
        connection.execute(
            "INSERT INTO orders (id, version, status, pay_by_us, customer_id, placed_at_us, value)"
            " VALUES (?, ?, ?, 0, ?, 0, ?)",
            (document["id"], document["version"], document["status"], "alice", text),
        )
        connection.execute("PRAGMA user_version = 4")
        connection.commit()

    with SqliteUnitOfWork(path) as uow:
        order = uow.orders.get(document["id"])

    _assert_upgraded(order)
