"""Values and documents as earlier releases stored them, for the adapters' upgrade tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from mallcore.money import Money
from mallcore.orders import Order, OrderLine
from mallcore.shapes import dump_document

NOW = datetime(2026, 11, 11, tzinfo=UTC)
HOLDS_EXPIRE = datetime(2026, 11, 11, 20, 30, tzinfo=UTC)
"""When the holds of :func:`stock_with_holds` lapse."""


def tea_order(order_id: str, sku_id: str = "tea-1") -> Order:
    """An unpaid order of one ¥30 unit of ``sku_id``, placed at NOW."""
    tea = Money("30.00", "CNY")
    return Order(
        id=order_id,
        customer_id="alice",
        currency="CNY",
        lines=[OrderLine(line_id="tea", sku_id=sku_id, quantity=1, unit_payables=[tea])],
        freight=Money.zero("CNY"),
        placed_at=NOW,
        pay_by=NOW + timedelta(minutes=30),
    )


def completed_documents(sku_id: str = "tea-1") -> tuple[Order, dict[str, str]]:
    """A completed order and, by id, two documents of it: as stored now, and as the oldest
    releases stored it (no shape, no ``after_sales_until``)."""
    placed = tea_order("O-done", sku_id)
    paid, _ = placed.pay(payment_id="P-1", amount=placed.payable, at=NOW)
    shipped, _ = paid.ship(waybill="SF1", carrier="SF", at=NOW)
    done, _ = shipped.complete(at=NOW)
    oldest = json.loads(dump_document(attrs.evolve(done, id="O-old")))
    del oldest["shape"], oldest["after_sales_until"]
    return done, {"O-done": dump_document(done), "O-old": json.dumps(oldest)}


def stock_with_holds(sku_id: str) -> dict[str, Any]:
    """A stock document of SQLite schema 7 / PostgreSQL migration 6: its holds inside it,
    one as a row and one as an object, both lapsing at HOLDS_EXPIRE."""
    return {
        "sku_id": sku_id,
        "on_hand": 9,
        "policy": "deduct_on_payment",
        "reservations": [
            [
                "O-row",
                2,
                (HOLDS_EXPIRE - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1),
            ],
            {"order_id": "O-object", "quantity": 3, "expires_at": HOLDS_EXPIRE.isoformat()},
        ],
        "deductions": [],
        "warning_threshold": 1,
        "version": 4,
    }
