"""Scheduled jobs: cancel orders unpaid at their deadline, auto-confirm delivered ones.

Each order is handled in its own transaction, so one order that a payment
notification changed meanwhile (StaleVersion) is skipped, not fatal: the
next run sees it in its new state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from mallcore.errors import StaleVersion
from mallcore.ports import Clock, EventPublisher, UnitOfWork
from mallcore.services._points import (
    after_sales_window,
    release_order_points,
    return_order_points,
)
from mallcore.services._stock import release_order_stock

__all__ = ["DEFAULT_CONFIRMATION_WINDOW", "cancel_overdue_orders", "complete_due_orders"]

DEFAULT_CONFIRMATION_WINDOW: Final = timedelta(days=7)
"""How long after delivery (or its last package, never scanned) an order confirms itself."""


def cancel_overdue_orders(*, uow: UnitOfWork, clock: Clock, events: EventPublisher) -> list[str]:
    """Cancel every order still unpaid at its deadline, giving back its stock and points; ids."""
    now = clock.now()
    with uow:
        due = list(uow.orders.awaiting_payment(due_by=now))
    cancelled: list[str] = []
    for order_id in due:
        with uow:
            order, changes = uow.orders.get(order_id).expire(now=now)
            if not changes:
                continue
            released = release_order_stock(uow, order)
            returned = return_order_points(uow, order, at=now)
            uow.orders.save(order)
            try:
                uow.commit()
            except StaleVersion:
                continue
        events.publish([*changes, *released, *returned])
        cancelled.append(order_id)
    return cancelled


def complete_due_orders(
    *,
    uow: UnitOfWork,
    clock: Clock,
    events: EventPublisher,
    after: timedelta = DEFAULT_CONFIRMATION_WINDOW,
    after_sales: timedelta = timedelta(0),
) -> list[str]:
    """Complete every shipped or delivered order whose confirmation window is over; their ids.

    Each completed order's held points are released, at once or when the
    ``after_sales`` window has passed (as :func:`confirm_receipt` does).
    """
    window = after_sales_window(after_sales)
    now = clock.now()
    with uow:
        candidates = list(uow.orders.due_for_completion())
    completed: list[str] = []
    for order_id in candidates:
        with uow:
            order, changes = uow.orders.get(order_id).complete_if_due(now=now, after=after)
            if not changes:
                continue
            released = release_order_points(uow, order, at=now, after_sales=window)
            uow.orders.save(order)
            try:
                uow.commit()
            except StaleVersion:
                continue
        events.publish([*changes, *released])
        completed.append(order_id)
    return completed
