"""Cancelling a paid order: the customer asks, or the merchant decides (取消订单 after payment).

- :func:`request_cancellation` (the customer): an unpaid order is cancelled
  as :func:`~mallcore.services.payments.undo_placement` says; a paid order
  nothing of which has shipped is refunded in full at once (a refund-only
  case approved automatically), unless the merchant has started preparing it
  (``Order.start_fulfilment``, 备货中) and ``Settings.approve_cancellations_while_preparing``
  is False: then the request waits on the order (``Order.cancellation``)
  for the merchant to grant (:func:`cancel_paid_order`) or reject it. A
  shipped order goes through after-sales instead (IllegalTransition).
- :func:`cancel_paid_order` (the merchant, with a reason): refunds a paid,
  unshipped order in full, its freight included, which closes it.

A full refund is :func:`~mallcore.services.after_sales.refund_order` of every
unshipped unit under the refund id ``cancel``: its money, points, coupons and
stock move as any refund's do, once.
"""

from __future__ import annotations

from datetime import datetime

from mallcore.errors import IllegalTransition
from mallcore.orders import Actor, Order, OrderStatus
from mallcore.ports import PaymentGateway, UnitOfWork
from mallcore.services.after_sales import refund_order
from mallcore.services.checkout import configuration
from mallcore.services.payments import undo_placement

__all__ = ["CANCEL_REFUND_ID", "cancel_paid_order", "reject_cancellation", "request_cancellation"]

CANCEL_REFUND_ID = "cancel"
"""The refund id of a cancellation's full refund (one per order)."""


def request_cancellation(
    uow: UnitOfWork, gateway: PaymentGateway, order_id: str, *, reason: str, now: datetime
) -> tuple[Order, list[object]]:
    """The customer asks to cancel ``order_id`` (see the module docstring); committed."""
    order = uow.orders.get(order_id)
    if _refunded_in_full_before(order):
        return order, []
    if order.status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED):
        cancelled, changes = order.cancel(reason=reason, at=now)
        if not changes:
            return cancelled, []
        undone = undo_placement(uow, cancelled, at=now)
        uow.orders.save(cancelled)
        uow.commit()
        return cancelled, [*changes, *undone]
    if order.status is not OrderStatus.PAID or order.shipments:
        raise IllegalTransition("order", order_id, order.status.value, "cancelled")
    waits = not configuration(uow).settings.approve_cancellations_while_preparing
    if order.preparing_at is not None and waits:
        requested, changes = order.request_cancellation(reason=reason, at=now)
        if changes:
            uow.orders.save(requested)
            uow.commit()
        return requested, list(changes)
    return _refund_in_full(uow, gateway, order, reason=reason, by=Actor.CUSTOMER, now=now)


def cancel_paid_order(
    uow: UnitOfWork, gateway: PaymentGateway, order_id: str, *, reason: str, now: datetime
) -> tuple[Order, list[object]]:
    """The merchant cancels a paid, unshipped order, refunding it in full; committed."""
    order = uow.orders.get(order_id)
    if _refunded_in_full_before(order):
        return order, []
    if order.status is not OrderStatus.PAID or order.shipments:
        raise IllegalTransition("order", order_id, order.status.value, "closed")
    return _refund_in_full(uow, gateway, order, reason=reason, by=Actor.MERCHANT, now=now)


def reject_cancellation(
    uow: UnitOfWork, order_id: str, *, reason: str, now: datetime
) -> tuple[Order, list[object]]:
    """The merchant turns a waiting cancellation request down, saying why; committed."""
    order, changes = uow.orders.get(order_id).reject_cancellation(reason=reason, at=now)
    if changes:
        uow.orders.save(order)
        uow.commit()
    return order, list(changes)


def _refunded_in_full_before(order: Order) -> bool:
    return any(refund.id == CANCEL_REFUND_ID for refund in order.refunds)


def _refund_in_full(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    order: Order,
    *,
    reason: str,
    by: Actor,
    now: datetime,
) -> tuple[Order, list[object]]:
    return refund_order(
        uow,
        gateway,
        order.id,
        refund_id=CANCEL_REFUND_ID,
        units=order.unshipped_quantities(),
        reason=reason,
        freight=None,
        restock=False,
        now=now,
        by=by,
    )
