"""Scheduled jobs, one item at a time: cancel unpaid orders, complete due ones, settle them.

A job lists its items in one read, then handles each in its own
transaction (the Mall retries conflicts per item). An item that fails is
reported in the :class:`JobReport` and as a :class:`JobItemFailed` event, and
skipped: it never blocks the items after it. Every step is idempotent, so
several workers may run a job at once: an item another worker handled first
changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from mallcore.errors import MallcoreError
from mallcore.orders import Order
from mallcore.ports import UnitOfWork
from mallcore.services.cases import has_open_case
from mallcore.services.fulfilment import complete
from mallcore.services.payments import undo_placement

__all__ = [
    "JobItemFailed",
    "JobReport",
    "cancel_overdue_order",
    "complete_due_order",
    "settle_due_order",
]


@attrs.frozen
class JobItemFailed:
    """A job could not handle ``item`` at ``at`` (``error``: what was raised); it moved on."""

    job: str
    item: str
    error: str
    at: datetime


@attrs.frozen(kw_only=True)
class JobReport:
    """What a job did: the items it changed, and the items it could not handle, with why."""

    done: tuple[str, ...] = ()
    failed: tuple[tuple[str, MallcoreError], ...] = ()


def cancel_overdue_order(
    uow: UnitOfWork, order_id: str, *, now: datetime
) -> tuple[Order | None, list[object]]:
    """Cancel ``order_id`` if it is still unpaid at its deadline, giving back what it held."""
    order, changes = uow.orders.get(order_id).expire(now=now)
    if not changes:
        return None, []
    undone = undo_placement(uow, order, at=now)
    uow.orders.save(order)
    uow.commit()
    return order, [*changes, *undone]


def complete_due_order(
    uow: UnitOfWork, order_id: str, *, now: datetime, after: timedelta
) -> tuple[Order | None, list[object]]:
    """Complete ``order_id`` if its confirmation window (``after`` its delivery) is over.

    An order with an open after-sales case waits (it completes after the case).
    """
    order, changes = uow.orders.get(order_id).complete_if_due(now=now, after=after)
    if not changes or has_open_case(uow, order_id):
        return None, []
    moved = complete(uow, order, now=now)
    uow.orders.save(order)
    uow.commit()
    return order, [*changes, *moved]


def settle_due_order(
    uow: UnitOfWork, order_id: str, *, now: datetime
) -> tuple[Order | None, list[object]]:
    """Settle ``order_id`` if its after-sales window is over and no case of it is open.

    Settled before, not due, or a case still open: nothing (None); the
    order is settled by a later run once its last case ends. The points it
    earned need nothing here: completion scheduled their release for the
    same deadline (``PointsAccount.release(until=)``).
    """
    order = uow.orders.get(order_id)
    if not order.is_due_for_settlement(now) or has_open_case(uow, order_id):
        return None, []
    settled, changes = order.settle(at=now)
    uow.orders.save(settled)
    uow.commit()
    return settled, list(changes)
