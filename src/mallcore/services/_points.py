"""The points side of an order: spent at placing, held from payment, released at completion.

A cancellation returns what the order spent; a refund (:mod:`.after_sales`)
takes back what it earned in proportion and returns what it spent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mallcore.errors import InvalidValue, NotFound
from mallcore.loyalty import Entry, PointsAccount, PointsRecorded, RedemptionPolicy
from mallcore.orders import Order, OrderRefund
from mallcore.ports import UnitOfWork
from mallcore.pricing import PointsOffer

__all__ = [
    "after_sales_window",
    "hold_order_points",
    "points_offer",
    "refund_order_points",
    "release_order_points",
    "return_order_points",
    "spend_order_points",
]


def _recorded(account: PointsAccount, entries: tuple[Entry, ...]) -> tuple[PointsRecorded, ...]:
    """The events of ``entries``, each naming ``account``."""
    return tuple(PointsRecorded(account.account_id, entry) for entry in entries)


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


def spend_order_points(
    uow: UnitOfWork, order: Order, *, at: datetime
) -> tuple[PointsRecorded, ...]:
    """Spend the points ``order`` uses from its customer's account (once, recorded on the order)."""
    if not order.points_used:
        return ()
    account, entries = uow.points.get(order.customer_id).spend(
        order.points_used, key=f"order:{order.id}:spent", at=at, order_id=order.id
    )
    if entries:
        uow.points.save(account)
    return _recorded(account, entries)


def return_order_points(
    uow: UnitOfWork, order: Order, *, at: datetime
) -> tuple[PointsRecorded, ...]:
    """Give back every point a cancelled ``order`` spent, in their lots where unexpired (once)."""
    if not order.points_used:
        return ()
    account, entries = uow.points.get(order.customer_id).cancel(
        order.id, key=f"order:{order.id}:cancelled", at=at
    )
    if entries:
        uow.points.save(account)
    return _recorded(account, entries)


def hold_order_points(uow: UnitOfWork, order: Order, *, at: datetime) -> tuple[PointsRecorded, ...]:
    """Credit the points a paid ``order`` earns as held (pending) points, once."""
    if not order.points_to_earn:
        return ()
    account, entries = _account(uow, order.customer_id).earn(
        order.points_to_earn, key=f"order:{order.id}:earned", at=at, order_id=order.id, held=True
    )
    if entries:
        uow.points.save(account)
    return _recorded(account, entries)


def release_order_points(
    uow: UnitOfWork, order: Order, *, at: datetime, after_sales: timedelta
) -> tuple[PointsRecorded, ...]:
    """Release a completed ``order``'s held points: now, or once ``after_sales`` has passed."""
    if not order.points_to_earn:
        return ()
    account, entries = uow.points.get(order.customer_id).release(
        order.id,
        key=f"order:{order.id}:completed",
        at=at,
        until=at + after_sales if after_sales else None,
    )
    if entries:
        uow.points.save(account)
    return _recorded(account, entries)


def refund_order_points(
    uow: UnitOfWork, order: Order, refund: OrderRefund, *, at: datetime
) -> tuple[PointsRecorded, ...]:
    """Take back what ``order`` earned and give back what it spent, for ``refund`` (once).

    The points follow the goods: ``refund.goods`` over the goods payable
    (a freight refund moves no points). An order whose goods were paid in
    points alone refunds no money for them: its last unit returns them all.
    """
    if not (order.points_used or order.points_to_earn):
        return ()
    account = uow.points.get(order.customer_id)
    key = f"refund:{order.id}:{refund.id}"
    if not refund.goods.is_zero():
        account, entries = account.refund(
            order.id, refunded=refund.goods, order_total=order.goods_payable, key=key, at=at
        )
    elif order.goods_payable.is_zero() and not order.refundable_quantities():
        account, entries = account.cancel(order.id, key=key, at=at)
    else:
        return ()
    if entries:
        uow.points.save(account)
    return _recorded(account, entries)


def after_sales_window(value: object) -> timedelta:
    """``value`` if it is a timedelta, not negative: how long a completed order's points wait."""
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidValue("after_sales", value, "must be a timedelta, not negative")
    return value
