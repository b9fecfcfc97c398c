"""Payments: attempts, and every verified notification recorded, then applied once.

:func:`start_payment` registers an attempt with the gateway and records it
(STARTED); a newer attempt of the same order closes the older ones first,
at the gateway (``close_payment``) and in their records.

A notification is verified by the gateway (InvalidSignature: nothing read,
nothing changed), then handled in two transactions:

1. :func:`record_notification` records it as a :class:`~mallcore.orders.Payment`
   under the provider's payment id, and commits, before anything else is
   decided: money that arrived always has a record (RECEIVED), a decline is
   recorded as DECLINED. A repeat records nothing new.
2. :func:`apply_notification` decides what a RECEIVED payment does, once:

   - the order waits for payment and the amount is its payable: the order
     is paid, its held stock deducted (gifts included: they were held at
     placing), its coupons marked used and the points it earns credited as
     held (pending until it completes, key ``order:<id>:earned``), the
     payment APPLIED, all in one transaction. If a hold lapsed and the units
     went to someone else, the order is cancelled and the payment returned;
   - a wrong amount, an order nobody placed, an order cancelled: returned in
     full (REFUNDED) or held for a person (FLAGGED, with a
     :class:`PaymentFlagged` event), as the merchant's
     ``Settings.unapplied_payments`` says;
   - an order already paid by another payment: the second payment is
     returned in full and flagged (:class:`PaymentFlagged`);
   - a payment decided before: its outcome again, nothing changes.

Money goes back through the gateway before the commit, under the refund id
``<payment id>-unapplied``: if the gateway cannot be reached the decision
is not committed (the payment stays RECEIVED, recorded) and the provider's
next delivery of the notification decides it again, never refunding twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from mallcore.errors import NotFound, OutOfStock
from mallcore.merchant import UnappliedPaymentPolicy
from mallcore.orders import Order, OrderStatus, Payment, PaymentStatus
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
from mallcore.services.checkout import configuration
from mallcore.services.coupons import release_order_coupons, use_order_coupons

__all__ = [
    "PaymentFlagged",
    "PaymentHandled",
    "PaymentOutcome",
    "apply_notification",
    "record_notification",
    "return_flagged_payment",
    "start_payment",
    "undo_placement",
]


class PaymentOutcome(enum.Enum):
    """What a notification did."""

    PAID = "paid"
    """It paid its order."""
    ALREADY_APPLIED = "already_applied"
    """It had paid its order before (a repeat)."""
    DECLINED = "declined"
    """The provider declined it; the order keeps waiting."""
    REFUNDED = "refunded"
    """It could not pay its order and went back to the payer."""
    FLAGGED = "flagged"
    """It could not pay its order and is held for a person to decide."""


@attrs.frozen(kw_only=True)
class PaymentHandled:
    """The outcome of one notification, why when it did not pay, the refund when one was made."""

    order_id: str
    outcome: PaymentOutcome
    reason: str = ""
    refund: Refund | None = None


@attrs.frozen
class PaymentFlagged:
    """A person should look at payment ``payment_id`` (held, or a second payment returned)."""

    payment_id: str
    order_id: str
    reason: str
    at: datetime


_DECIDED = {
    PaymentStatus.APPLIED: PaymentOutcome.ALREADY_APPLIED,
    PaymentStatus.REFUNDED: PaymentOutcome.REFUNDED,
    PaymentStatus.FLAGGED: PaymentOutcome.FLAGGED,
}


def start_payment(
    uow: UnitOfWork, gateway: PaymentGateway, order_id: str, *, now: datetime
) -> tuple[PaymentRequest, list[object]]:
    """Register an attempt to pay an order awaiting payment, closing its older attempts."""
    order = uow.orders.get(order_id)
    if order.status is not OrderStatus.AWAITING_PAYMENT:
        raise NotFound("order awaiting payment", order_id)
    events: list[object] = []
    for earlier in uow.payments.of_order(order_id):
        if earlier.status is PaymentStatus.STARTED:
            gateway.close_payment(payment_id=earlier.id)
            closed, changes = earlier.close(at=now)
            uow.payments.save(closed)
            events.extend(changes)
    request = gateway.create_payment(
        order_id=order.id, amount=order.payable, expires_at=order.pay_by
    )
    payment, changes = Payment.start(
        request.reference, order_id=order.id, amount=order.payable, at=now
    )
    uow.payments.save(payment)
    uow.commit()
    return request, [*events, *changes]


def undo_placement(uow: UnitOfWork, order: Order, *, at: datetime) -> list[object]:
    """Give back what a cancelled, unpaid ``order`` held: its stock, points, coupons and counts."""
    return [
        *release_order_stock(uow, order, at=at),
        *return_order_points(uow, order, at=at),
        *release_order_coupons(uow, order, at=at),
    ]


def record_notification(
    uow: UnitOfWork, notification: PaymentNotification
) -> tuple[Payment, list[object]]:
    """Record what a verified notification says (step 1 of the module docstring); committed."""
    declined = notification.result is PaymentResult.DECLINED
    events: list[object] = []
    try:
        payment = uow.payments.get(notification.payment_id)
    except NotFound:
        new = Payment.start if declined else Payment.received
        payment, changes = new(
            notification.payment_id,
            order_id=notification.order_id,
            amount=notification.amount,
            at=notification.at,
        )
        uow.payments.save(payment)
        events.extend(changes)
    if declined:
        recorded, moved = payment.decline(at=notification.at)
    else:
        recorded, moved = payment.receive(amount=notification.amount, at=notification.at)
    if moved:
        uow.payments.save(recorded)
        events.extend(moved)
    uow.commit()
    return recorded, events


def apply_notification(
    uow: UnitOfWork, gateway: PaymentGateway, payment_id: str, *, now: datetime
) -> tuple[PaymentHandled, list[object]]:
    """Decide what a recorded payment does (step 2 of the module docstring); committed here."""
    payment = uow.payments.get(payment_id)
    order_id = payment.order_id
    if payment.status is not PaymentStatus.RECEIVED:
        outcome = _DECIDED.get(payment.status, PaymentOutcome.DECLINED)
        return PaymentHandled(order_id=order_id, outcome=outcome, reason=payment.reason), []
    policy = configuration(uow).settings.unapplied_payments
    try:
        order = uow.orders.get(order_id)
    except NotFound:
        return _unapplied(uow, gateway, payment, f"no order {order_id!r}", policy, now=now)
    if order.paid_at is not None:
        reason = f"order {order_id!r} was already paid by payment {order.payment_id!r}"
        return _unapplied(uow, gateway, payment, reason, None, now=now)
    if order.status is not OrderStatus.AWAITING_PAYMENT:
        reason = f"order {order_id!r} is {order.status.value}"
        return _unapplied(uow, gateway, payment, reason, policy, now=now)
    if payment.amount != order.payable:
        reason = f"paid {payment.amount}, but order {order_id!r} asks for {order.payable}"
        return _unapplied(uow, gateway, payment, reason, policy, now=now)
    return _pay(uow, gateway, payment, order, now=now)


def _pay(
    uow: UnitOfWork, gateway: PaymentGateway, payment: Payment, order: Order, *, now: datetime
) -> tuple[PaymentHandled, list[object]]:
    at = payment.received_at or now
    paid, changes = order.pay(payment_id=payment.id, amount=payment.amount, at=at)
    try:
        taken = deduct_order_stock(uow, paid, at=at)
    except OutOfStock:
        uow.rollback()
        uow.lock()
        cancelled, moved = order.cancel(reason="out of stock at payment", at=now)
        undone = undo_placement(uow, cancelled, at=now)
        uow.orders.save(cancelled)
        handled, returned = _unapplied(
            uow,
            gateway,
            payment,
            f"order {order.id!r} ran out of stock before it was paid",
            UnappliedPaymentPolicy.REFUND,
            now=now,
        )
        return handled, [*moved, *undone, *returned]
    used = use_order_coupons(uow, paid, at=now)
    held = hold_order_points(uow, paid, at=now)
    applied, recorded = payment.apply(at=now)
    uow.orders.save(paid)
    uow.payments.save(applied)
    uow.commit()
    handled = PaymentHandled(order_id=order.id, outcome=PaymentOutcome.PAID)
    return handled, [*recorded, *changes, *taken, *used, *held]


def _unapplied(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    payment: Payment,
    reason: str,
    policy: UnappliedPaymentPolicy | None,
    *,
    now: datetime,
) -> tuple[PaymentHandled, list[object]]:
    """Return ``payment`` in full, or hold it for a person, as ``policy`` says; committed.

    ``policy`` None: return it and flag it all the same (a second payment).
    """
    flagged = PaymentFlagged(payment.id, payment.order_id, reason, now)
    if policy is UnappliedPaymentPolicy.FLAG:
        held, changes = payment.flag(reason=reason, at=now)
        uow.payments.save(held)
        uow.commit()
        handled = PaymentHandled(
            order_id=payment.order_id, outcome=PaymentOutcome.FLAGGED, reason=reason
        )
        return handled, [*changes, flagged]
    _, refund, returned = _return(uow, gateway, payment, reason, now=now)
    handled = PaymentHandled(
        order_id=payment.order_id, outcome=PaymentOutcome.REFUNDED, reason=reason, refund=refund
    )
    return handled, [*returned, *([flagged] if policy is None else [])]


def _return(
    uow: UnitOfWork, gateway: PaymentGateway, payment: Payment, reason: str, *, now: datetime
) -> tuple[Payment, Refund, list[object]]:
    """Return all of ``payment`` through the gateway (before the commit), and commit."""
    refund_id = f"{payment.id}-unapplied"
    returned, changes = payment.return_in_full(refund_id, reason=reason, at=now)
    uow.payments.save(returned)
    refund = gateway.refund(refund_id=refund_id, payment_id=payment.id, amount=payment.amount)
    uow.commit()
    return returned, refund, list(changes)


def return_flagged_payment(
    uow: UnitOfWork, gateway: PaymentGateway, payment_id: str, *, now: datetime
) -> tuple[Payment, list[object]]:
    """A person decided: return a flagged payment in full; a payment returned before, nothing."""
    payment = uow.payments.get(payment_id)
    if payment.status is PaymentStatus.REFUNDED:
        return payment, []
    returned, _, changes = _return(
        uow, gateway, payment, f"returned after review: {payment.reason}", now=now
    )
    return returned, changes
