"""The stock side of an order's life: deduct on payment, release on cancel, restock refunds.

A paid order's units leave its stock's live holds and become one
:class:`~mallcore.catalog.StockMovement` per SKU (``uow.stock_movements``),
whose unique key keeps payment idempotent and refuses a paid order's release.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from mallcore.catalog import StockDeducted, StockEvent, StockMovement
from mallcore.errors import NotFound
from mallcore.orders import Order, OrderRefund
from mallcore.ports import UnitOfWork

__all__ = ["deduct_order_stock", "release_order_stock", "restock_refund"]


def _quantities(order: Order, units: Mapping[str, int] | None = None) -> dict[str, int]:
    """Units per SKU of ``units`` (line id -> count; every unit when None): lines share a SKU."""
    counts = units if units is not None else {line.line_id: line.quantity for line in order.lines}
    quantities: dict[str, int] = {}
    for line_id, quantity in counts.items():
        sku_id = order.line(line_id).sku_id
        quantities[sku_id] = quantities.get(sku_id, 0) + quantity
    return quantities


def _recorded(uow: UnitOfWork, sku_id: str, order_id: str) -> StockMovement | None:
    """The movement of ``order_id`` on ``sku_id``, None while the order is unpaid."""
    try:
        return uow.stock_movements.get(sku_id, order_id)
    except NotFound:
        return None


def deduct_order_stock(uow: UnitOfWork, order: Order, *, at: datetime) -> list[StockEvent]:
    """Take the order's held units for good; a lapsed hold is taken again first (OutOfStock).

    Each stock command is saved as it is made (re-reserving a lapsed hold,
    then deducting, are two versions), and each SKU's deduction is recorded
    as a movement at ``at``. A SKU already recorded for the order changes nothing.
    """
    changes: list[StockEvent] = []
    for sku_id, quantity in _quantities(order).items():
        recorded = _recorded(uow, sku_id, order.id)
        if recorded is not None:
            continue
        stock = uow.stocks.get(sku_id)
        if not stock.held_for(order.id):
            stock, held = stock.reserve(order.id, quantity, at)
            uow.stocks.save(stock)
            changes.extend(held)
        stock, taken = stock.deduct(order.id)
        uow.stocks.save(stock)
        for event in taken:
            if isinstance(event, StockDeducted):
                uow.stock_movements.add(StockMovement.of(event, at=at))
        changes.extend(taken)
    return changes


def release_order_stock(uow: UnitOfWork, order: Order) -> list[StockEvent]:
    """Give back every unit an unpaid order still holds (a paid order: IllegalTransition)."""
    changes: list[StockEvent] = []
    for sku_id in _quantities(order):
        recorded = _recorded(uow, sku_id, order.id)
        stock, released = uow.stocks.get(sku_id).release(order.id, recorded=recorded)
        if released:
            uow.stocks.save(stock)
            changes.extend(released)
    return changes


def restock_refund(
    uow: UnitOfWork, order: Order, refund: OrderRefund, *, returned: bool
) -> list[StockEvent]:
    """Put ``refund``'s units back on hand: always when they never shipped, else if ``returned``."""
    if not (refund.before_shipping or returned):
        return []
    changes: list[StockEvent] = []
    for sku_id, quantity in _quantities(order, refund.quantities()).items():
        stock, restocked = uow.stocks.get(sku_id).restock(quantity)
        uow.stocks.save(stock)
        changes.extend(restocked)
    return changes
