"""Payments: start a payment, and apply each verified notification exactly once.

A notification is verified by the gateway (InvalidSignature: nothing read,
nothing changed), then:

- declined: nothing changes (the order keeps waiting until its deadline);
- the payment already applied (a repeat): nothing changes;
- the order waits for payment: the amount must equal the payable
  (PaymentMismatch otherwise, nothing changes); the order is paid, its
  held stock deducted and the points it earns credited as held (pending
  until it completes, key ``order:<id>:earned``), all in one transaction.
  If a hold lapsed and the units went to someone else, the payment is
  refunded in full and the order cancelled;
- the order no longer takes a payment (cancelled at its deadline, or paid by
  another payment): the payment is refunded in full.

Refunds use a refund id derived from the payment id, so a retry after a
failed commit never refunds twice.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from mallcore.errors import NotFound, OutOfStock
from mallcore.orders import OrderStatus
from mallcore.ports import (
    Clock,
    EventPublisher,
    PaymentGateway,
    PaymentNotification,
    PaymentRequest,
    PaymentResult,
    Refund,
    UnitOfWork,
)
from mallcore.services._points import hold_order_points, return_order_points
from mallcore.services._stock import deduct_order_stock, release_order_stock

__all__ = ["PaymentHandled", "PaymentOutcome", "handle_payment_notification", "start_payment"]


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


def start_payment(*, uow: UnitOfWork, gateway: PaymentGateway, order_id: str) -> PaymentRequest:
    """Register the payment of an order awaiting payment, for its payable, until its deadline."""
    with uow:
        order = uow.orders.get(order_id)
    if order.status is not OrderStatus.AWAITING_PAYMENT:
        raise NotFound("order awaiting payment", order_id)
    return gateway.create_payment(order_id=order.id, amount=order.payable, expires_at=order.pay_by)


def _refund(gateway: PaymentGateway, notification: PaymentNotification) -> Refund:
    return gateway.refund(
        refund_id=f"{notification.payment_id}-unapplied",
        payment_id=notification.payment_id,
        amount=notification.amount,
    )


def handle_payment_notification(
    *,
    uow: UnitOfWork,
    gateway: PaymentGateway,
    clock: Clock,
    events: EventPublisher,
    body: bytes,
    headers: Mapping[str, str],
) -> PaymentHandled:
    """Verify a provider's notification and apply it once (see the module docstring)."""
    notification = gateway.parse_notification(body, headers)
    if notification.result is PaymentResult.DECLINED:
        return PaymentHandled(order_id=notification.order_id, outcome=PaymentOutcome.DECLINED)
    with uow:
        order = uow.orders.get(notification.order_id)
        if order.payment_id == notification.payment_id:
            return PaymentHandled(order_id=order.id, outcome=PaymentOutcome.ALREADY_APPLIED)
        if order.status is not OrderStatus.AWAITING_PAYMENT:
            refund = _refund(gateway, notification)
            return PaymentHandled(order_id=order.id, outcome=PaymentOutcome.REFUNDED, refund=refund)
        paid, changes = order.pay(
            payment_id=notification.payment_id, amount=notification.amount, at=notification.at
        )
        try:
            stock_events = deduct_order_stock(uow, paid, at=notification.at)
        except OutOfStock:
            uow.rollback()
            now = clock.now()
            cancelled, changes = order.cancel(reason="out of stock at payment", at=now)
            released = release_order_stock(uow, cancelled)
            returned = return_order_points(uow, cancelled, at=now)
            uow.orders.save(cancelled)
            uow.commit()
            refund = _refund(gateway, notification)
            events.publish([*changes, *released, *returned])
            return PaymentHandled(order_id=order.id, outcome=PaymentOutcome.REFUNDED, refund=refund)
        held = hold_order_points(uow, paid, at=clock.now())
        uow.orders.save(paid)
        uow.commit()
    events.publish([*changes, *stock_events, *held])
    return PaymentHandled(order_id=order.id, outcome=PaymentOutcome.PAID)
