"""The stock side of an order's life: hold at checkout, deduct on payment, release, restock.

A SKU's :class:`~mallcore.catalog.Stock` is a small counter; each unpaid
order's units on it are a :class:`~mallcore.catalog.StockHold` in
``uow.stock_holds``, and a paid order's units become one
:class:`~mallcore.catalog.StockMovement` per SKU (``uow.stock_movements``),
whose unique key keeps payment idempotent and refuses a paid order's
release. A command reads the stock, the order's own hold and the SKU's
lapsed holds, never all of the SKU's holds: its cost does not grow with the
orders holding the SKU, nor with its sales history. :func:`record` is the
one place a stock command's events become saved holds and movements.

An exchange (换货) holds its replacement units at approval under the holder
id :func:`exchange_holder` (``exchange:<case id>``, so a case id never meets
an order id on a stock), with no practical expiry (:data:`EXCHANGE_HOLD`);
shipping the replacement deducts them (a movement under that holder), and a
case that closes instead releases them. :func:`hold_for_exchange`,
:func:`release_exchange` and :func:`ship_exchange` are the only stock calls
of exchanges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from mallcore.catalog import (
    DEFAULT_HOLD,
    ReservationExpired,
    Stock,
    StockDeducted,
    StockEvent,
    StockHold,
    StockMovement,
    StockReleased,
    StockReserved,
)
from mallcore.errors import NotFound
from mallcore.limits import SPAN_DAYS
from mallcore.orders import AfterSalesCase, Order, OrderRefund
from mallcore.ports import UnitOfWork

__all__ = [
    "EXCHANGE_HOLD",
    "LAPSED_PER_COMMAND",
    "deduct_order_stock",
    "exchange_holder",
    "hold_for_exchange",
    "hold_stock",
    "record",
    "release_exchange",
    "release_order_stock",
    "restock_refund",
    "ship_exchange",
]

EXCHANGE_HOLD: Final = timedelta(days=SPAN_DAYS)
"""How long an exchange's replacement stays held: for good, in effect (the case releases it)."""

LAPSED_PER_COMMAND: Final = 500
"""The most lapsed holds one stock command expires (the rest go with the next commands)."""


def _quantities(order: Order, units: Mapping[str, int] | None = None) -> dict[str, int]:
    """Units per SKU of ``units`` (line id -> count; every unit when None): lines share a SKU."""
    counts = units if units is not None else {line.line_id: line.quantity for line in order.lines}
    quantities: dict[str, int] = {}
    for line_id, quantity in counts.items():
        sku_id = order.line(line_id).sku_id
        quantities[sku_id] = quantities.get(sku_id, 0) + quantity
    return quantities


def _held(uow: UnitOfWork, sku_id: str, order_id: str) -> StockHold | None:
    """The hold ``order_id`` has on ``sku_id``, None when it holds nothing there."""
    try:
        return uow.stock_holds.get(sku_id, order_id)
    except NotFound:
        return None


def _recorded(uow: UnitOfWork, sku_id: str, order_id: str) -> StockMovement | None:
    """The movement of ``order_id`` on ``sku_id``, None while the order is unpaid."""
    try:
        return uow.stock_movements.get(sku_id, order_id)
    except NotFound:
        return None


def record(
    uow: UnitOfWork, before: Stock, after: Stock, events: Sequence[StockEvent], *, at: datetime
) -> None:
    """Keep the move of counts ``before`` -> ``after`` and what ``events`` changed beside it.

    The stock's counts go to the commit as a change (moved where stored,
    see :class:`~mallcore.ports.StockRepository`), the holds added and
    removed and the movements beside them. A command that changed nothing
    (no events) keeps nothing.
    """
    if not events:
        return
    uow.stocks.change(before, after)
    for event in events:
        if isinstance(event, StockReserved):
            uow.stock_holds.add(StockHold.of(event))
        elif isinstance(event, StockReleased | ReservationExpired | StockDeducted):
            uow.stock_holds.remove(event.sku_id, event.order_id)
        if isinstance(event, StockDeducted):
            uow.stock_movements.add(StockMovement.of(event, at=at))


def hold_stock(
    uow: UnitOfWork,
    stock: Stock,
    order_id: str,
    quantity: int,
    now: datetime,
    *,
    hold: timedelta,
    held: StockHold | None,
) -> tuple[Stock, list[StockEvent]]:
    """Reserve ``quantity`` units of ``stock`` for ``order_id`` until ``now + hold``, and record it.

    ``held`` is the order's stored hold on the SKU (None: it holds none).
    When too few units are available, or ``held`` lapsed, the SKU's lapsed
    holds are expired first (OutOfStock when too few are left even then);
    otherwise they stay for the expiry job, and the command reads none.
    """
    lapsed: Sequence[StockHold] = ()
    if quantity > stock.available or (held is not None and held.has_lapsed(now)):
        lapsed = uow.stock_holds.lapsed(stock.sku_id, at=now, limit=LAPSED_PER_COMMAND)
    after, events = stock.reserve(order_id, quantity, now, hold=hold, held=held, lapsed=lapsed)
    record(uow, stock, after, events, at=now)
    return after, list(events)


def deduct_order_stock(uow: UnitOfWork, order: Order, *, at: datetime) -> list[StockEvent]:
    """Take the order's held units for good; a hold another order expired is taken again first.

    Taking it again may raise OutOfStock. A hold that lapsed but is still
    stored is deducted as it is: its units were never given to anyone.
    Each SKU's deduction is recorded as a movement at ``at``. A SKU already
    recorded for the order changes nothing.
    """
    return _deduct(uow, order.id, _quantities(order), at=at, hold=DEFAULT_HOLD)


def release_order_stock(uow: UnitOfWork, order: Order, *, at: datetime) -> list[StockEvent]:
    """Give back every unit an unpaid order still holds (a paid order: IllegalTransition)."""
    return _release(uow, order.id, _quantities(order), at=at)


def restock_refund(
    uow: UnitOfWork, order: Order, refund: OrderRefund, *, returned: bool, at: datetime
) -> list[StockEvent]:
    """Put ``refund``'s units back on hand: always when they never shipped, else if ``returned``."""
    if not (refund.before_shipping or returned):
        return []
    return _restock(uow, _quantities(order, refund.quantities()), at=at)


def _deduct(
    uow: UnitOfWork, holder: str, quantities: Mapping[str, int], *, at: datetime, hold: timedelta
) -> list[StockEvent]:
    """Take ``holder``'s units of each SKU for good, holding them again (for ``hold``) if gone.

    A SKU whose movement is recorded for ``holder`` already changes nothing.
    """
    changes: list[StockEvent] = []
    for sku_id, quantity in sorted(quantities.items()):
        if _recorded(uow, sku_id, holder) is not None:
            continue
        stock = uow.stocks.get(sku_id)
        held = _held(uow, sku_id, holder)
        if held is None:
            stock, reserved = hold_stock(uow, stock, holder, quantity, at, hold=hold, held=None)
            changes.extend(reserved)
            held = _held(uow, sku_id, holder)
        after, taken = stock.deduct(holder, held=held)
        record(uow, stock, after, taken, at=at)
        changes.extend(taken)
    return changes


def _release(
    uow: UnitOfWork, holder: str, quantities: Mapping[str, int], *, at: datetime
) -> list[StockEvent]:
    """Give back what ``holder`` holds of each SKU (its units deducted: IllegalTransition)."""
    changes: list[StockEvent] = []
    for sku_id in sorted(quantities):
        recorded = _recorded(uow, sku_id, holder)
        held = _held(uow, sku_id, holder)
        stock = uow.stocks.get(sku_id)
        after, released = stock.release(holder, held=held, recorded=recorded)
        record(uow, stock, after, released, at=at)
        changes.extend(released)
    return changes


def _restock(uow: UnitOfWork, quantities: Mapping[str, int], *, at: datetime) -> list[StockEvent]:
    """Add the units of each SKU back on hand."""
    changes: list[StockEvent] = []
    for sku_id, quantity in sorted(quantities.items()):
        stock = uow.stocks.get(sku_id)
        after, restocked = stock.restock(quantity)
        record(uow, stock, after, restocked, at=at)
        changes.extend(restocked)
    return changes


def exchange_holder(case_id: str) -> str:
    """The id an exchange's replacement units are held under on their stock."""
    return f"exchange:{case_id}"


def _replacement(case: AfterSalesCase) -> dict[str, int]:
    """Replacement units per SKU of exchange ``case``."""
    units = dict(case.units)
    quantities: dict[str, int] = {}
    for line_id, sku_id in case.replacements:
        quantities[sku_id] = quantities.get(sku_id, 0) + units[line_id]
    return quantities


def hold_for_exchange(uow: UnitOfWork, case: AfterSalesCase, *, at: datetime) -> list[StockEvent]:
    """Hold the replacement units of ``case`` (OutOfStock when too few); held already: nothing."""
    changes: list[StockEvent] = []
    holder = exchange_holder(case.id)
    for sku_id, quantity in sorted(_replacement(case).items()):
        stock, held = uow.stocks.get(sku_id), _held(uow, sku_id, holder)
        _, reserved = hold_stock(uow, stock, holder, quantity, at, hold=EXCHANGE_HOLD, held=held)
        changes.extend(reserved)
    return changes


def release_exchange(uow: UnitOfWork, case: AfterSalesCase, *, at: datetime) -> list[StockEvent]:
    """Give back what ``case`` holds for its replacement (it closed); none held: nothing."""
    return _release(uow, exchange_holder(case.id), _replacement(case), at=at)


def ship_exchange(
    uow: UnitOfWork, order: Order, case: AfterSalesCase, *, at: datetime
) -> list[StockEvent]:
    """The replacement of ``case`` leaves: its held units are deducted (held again if lapsed).

    The returned units go back on hand when the merchant's inspection said
    ``restock``. Deducted before (a movement recorded): nothing.
    """
    changes = _deduct(uow, exchange_holder(case.id), _replacement(case), at=at, hold=EXCHANGE_HOLD)
    if case.restock:
        changes.extend(_restock(uow, _quantities(order, dict(case.units)), at=at))
    return changes
