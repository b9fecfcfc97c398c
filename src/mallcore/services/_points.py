"""The points side of an order: what it spends, what a cancellation returns, what it earns."""

from __future__ import annotations

from datetime import datetime

from mallcore.errors import NotFound
from mallcore.loyalty import (
    EarningLine,
    EarningPolicy,
    Entry,
    PointsAccount,
    Purchase,
    RedemptionPolicy,
    points_for,
)
from mallcore.orders import Order
from mallcore.ports import UnitOfWork
from mallcore.pricing import PointsOffer

__all__ = ["credit_order_points", "points_offer", "return_order_points", "spend_order_points"]


def _account(uow: UnitOfWork, customer_id: str) -> PointsAccount:
    try:
        return uow.points.get(customer_id)
    except NotFound:
        account = PointsAccount.open(customer_id)
        uow.points.save(account)
        return account


def points_offer(
    uow: UnitOfWork,
    customer_id: str,
    policy: RedemptionPolicy,
    *,
    requested: int | None,
    at: datetime,
) -> PointsOffer:
    """The points ``customer_id`` can offer at ``at``: the balance of the stored account."""
    try:
        available = uow.points.get(customer_id).balance(at=at)
    except NotFound:
        available = 0
    return PointsOffer(policy=policy, available=max(available, 0), requested=requested)


def spend_order_points(uow: UnitOfWork, order: Order, *, at: datetime) -> tuple[Entry, ...]:
    """Spend the points ``order`` uses from its customer's account (once, recorded on the order)."""
    if not order.points_used:
        return ()
    account, entries = uow.points.get(order.customer_id).spend(
        order.points_used, key=f"order:{order.id}:spent", at=at, order_id=order.id
    )
    if entries:
        uow.points.save(account)
    return entries


def return_order_points(uow: UnitOfWork, order: Order, *, at: datetime) -> tuple[Entry, ...]:
    """Give back every point a cancelled ``order`` spent, in their lots where unexpired (once)."""
    if not order.points_used:
        return ()
    account, entries = uow.points.get(order.customer_id).cancel(
        order.id, key=f"order:{order.id}:cancelled", at=at
    )
    if entries:
        uow.points.save(account)
    return entries


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
    account = _account(uow, order.customer_id)
    account, entries = account.earn(
        earned, key=f"order:{order.id}:earned", at=at, order_id=order.id
    )
    if entries:
        uow.points.save(account)
    return entries
