"""The points side of an order's life: what a completed order earns."""

from __future__ import annotations

from datetime import datetime

from mallcore.errors import NotFound
from mallcore.loyalty import EarningLine, EarningPolicy, Entry, PointsAccount, Purchase, points_for
from mallcore.orders import Order
from mallcore.ports import UnitOfWork

__all__ = ["credit_order_points"]


def credit_order_points(
    uow: UnitOfWork, order: Order, policy: EarningPolicy, *, at: datetime
) -> tuple[Entry, ...]:
    """Credit the points ``order`` earns under ``policy`` to its customer's account (once)."""
    purchase = Purchase(
        currency=order.currency,
        lines=[
            EarningLine(sku_id=line.sku_id, paid=line.payable)
            for line in order.lines
            if not line.gift
        ],
        freight_paid=order.freight,
        at=at,
    )
    earned = points_for(purchase, policy).points
    if not earned:
        return ()
    try:
        account = uow.points.get(order.customer_id)
    except NotFound:
        account = PointsAccount.open(order.customer_id)
        uow.points.save(account)
    account, entries = account.earn(
        earned, key=f"order:{order.id}:earned", at=at, order_id=order.id
    )
    if entries:
        uow.points.save(account)
    return entries
