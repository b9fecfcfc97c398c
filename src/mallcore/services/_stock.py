"""The stock side of an order's life: deduct on payment, release on cancel."""

from __future__ import annotations

from datetime import datetime

from mallcore.catalog import StockEvent
from mallcore.orders import Order
from mallcore.ports import UnitOfWork

__all__ = ["deduct_order_stock", "release_order_stock"]


def _quantities(order: Order) -> dict[str, int]:
    """Units per SKU (two lines of one SKU share its stock)."""
    quantities: dict[str, int] = {}
    for line in order.lines:
        quantities[line.sku_id] = quantities.get(line.sku_id, 0) + line.quantity
    return quantities


def deduct_order_stock(uow: UnitOfWork, order: Order, *, at: datetime) -> list[StockEvent]:
    """Take the order's held units for good; a lapsed hold is taken again first (OutOfStock)."""
    changes: list[StockEvent] = []
    for sku_id, quantity in _quantities(order).items():
        stock = uow.stocks.get(sku_id)
        if not stock.held_for(order.id):
            stock, held = stock.reserve(order.id, quantity, at)
            changes.extend(held)
        stock, taken = stock.deduct(order.id)
        uow.stocks.save(stock)
        changes.extend(taken)
    return changes


def release_order_stock(uow: UnitOfWork, order: Order) -> list[StockEvent]:
    """Give back every unit an unpaid order still holds."""
    changes: list[StockEvent] = []
    for sku_id in _quantities(order):
        stock, released = uow.stocks.get(sku_id).release(order.id)
        if released:
            uow.stocks.save(stock)
            changes.extend(released)
    return changes
