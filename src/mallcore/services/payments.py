"""Payments: start a payment, and apply each verified notification exactly once.

A notification is verified by the gateway (InvalidSignature: nothing read,
nothing changed), then:

- declined: nothing changes (the order keeps waiting until its deadline);
- the payment already applied (a repeat): nothing changes;
- the order waits for payment: the amount must equal the payable
  (PaymentMismatch otherwise, nothing changes); the order is paid, its held
  stock deducted (gifts included: they were held at placing), its coupons
  marked used and the points it earns credited as held (pending until it
  completes, key ``order:<id>:earned``), all in one transaction. If a hold
  lapsed and the units went to someone else, the payment is refunded in
  full and the order cancelled;
- the order no longer takes a payment (cancelled at its deadline, or paid by
  another payment): the payment is refunded in full.

Refunds use a refund id derived from the payment id, so a retry after a
failed commit never refunds twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from mallcore.errors import NotFound, OutOfStock
from mallcore.orders import Order, OrderStatus
from mallcore.ports import (
    PaymentGateway,
    PaymentNotification,
    PaymentRequest,
    PaymentResult,
    Refund,
    UnitOfWork,
)
from mallcore.services._points import hold_order_points, return_order_points
from mallcore.services._stock import deduct_order_stock, release_order_stock
from mallcore.services.coupons import release_order_coupons, use_order_coupons

__all__ = [
    "PaymentHandled",
    "PaymentOutcome",
    "apply_notification",
    "start_payment",
    "undo_placement",
]


class PaymentOutcome(enum.Enum):
    """What a notification did."""

    PAID = "paid"
    ALREADY_APPLIED = "already_applied"
    DECLINED = "declined"
    REFUNDED = "refunded"


@attrs.frozen(kw_only=True)
class PaymentHandled:
    """The outcome of one notification, with the refund when one was made."""

    order_id: str
    outcome: PaymentOutcome
    refund: Refund | None = None


def start_payment(uow: UnitOfWork, gateway: PaymentGateway, order_id: str) -> PaymentRequest:
    """Register the payment of an order awaiting payment, for its payable, until its deadline."""
    order = uow.orders.get(order_id)
    if order.status is not OrderStatus.AWAITING_PAYMENT:
        raise NotFound("order awaiting payment", order_id)
    return gateway.create_payment(order_id=order.id, amount=order.payable, expires_at=order.pay_by)


def undo_placement(uow: UnitOfWork, order: Order, *, at: datetime) -> list[object]:
    """Give back what a cancelled, unpaid ``order`` held: its stock, points, coupons and counts."""
    return [
        *release_order_stock(uow, order),
        *return_order_points(uow, order, at=at),
        *release_order_coupons(uow, order, at=at),
    ]


def _refund(gateway: PaymentGateway, notification: PaymentNotification) -> Refund:
    return gateway.refund(
        refund_id=f"{notification.payment_id}-unapplied",
        payment_id=notification.payment_id,
        amount=notification.amount,
    )


def apply_notification(
    uow: UnitOfWork, gateway: PaymentGateway, notification: PaymentNotification, *, now: datetime
) -> tuple[PaymentHandled, list[object]]:
    """Apply a verified notification once (see the module docstring); committed here."""
    order_id = notification.order_id
    if notification.result is PaymentResult.DECLINED:
        return PaymentHandled(order_id=order_id, outcome=PaymentOutcome.DECLINED), []
    order = uow.orders.get(order_id)
    if order.payment_id == notification.payment_id:
        return PaymentHandled(order_id=order_id, outcome=PaymentOutcome.ALREADY_APPLIED), []
    if order.status is not OrderStatus.AWAITING_PAYMENT:
        refund = _refund(gateway, notification)
        return PaymentHandled(order_id=order_id, outcome=PaymentOutcome.REFUNDED, refund=refund), []
    paid, changes = order.pay(
        payment_id=notification.payment_id, amount=notification.amount, at=notification.at
    )
    try:
        taken = deduct_order_stock(uow, paid, at=notification.at)
    except OutOfStock:
        uow.rollback()
        uow.lock()
        cancelled, changes = order.cancel(reason="out of stock at payment", at=now)
        undone = undo_placement(uow, cancelled, at=now)
        uow.orders.save(cancelled)
        uow.commit()
        refund = _refund(gateway, notification)
        handled = PaymentHandled(order_id=order_id, outcome=PaymentOutcome.REFUNDED, refund=refund)
        return handled, [*changes, *undone]
    used = use_order_coupons(uow, paid, at=now)
    held = hold_order_points(uow, paid, at=now)
    uow.orders.save(paid)
    uow.commit()
    handled = PaymentHandled(order_id=order_id, outcome=PaymentOutcome.PAID)
    return handled, [*changes, *taken, *used, *held]
