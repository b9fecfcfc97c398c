"""After-sales (售后): refund units of a paid order, their money, points, coupons and stock, once.

:func:`refund_order` is the one command for 仅退款 (refund only) and
退货退款 (return and refund): the host decides that a refund is due (its
after-sales ticket, the reason, who pays the return freight) and names it
by ``refund_id``; the library works out what it returns and applies it,
in one transaction:

- the order records the refund (:meth:`~mallcore.orders.Order.refund`):
  each unit returns exactly what was paid for it, never twice; the last
  unit closes an order not yet completed;
- the money goes back out of the order's payment record
  (:meth:`~mallcore.orders.Payment.refund`: never more than was paid, at
  most 50 refunds, within a year of the payment, RefundRefused otherwise)
  and through the :class:`~mallcore.ports.PaymentGateway` under the refund
  id ``<order id>-<refund id>``, before the commit: a retry asks the
  gateway again under the same id, which returns the first refund and
  moves no money;
- the points follow the goods refunded (docs/loyalty.md): what the order
  earned is taken back in proportion (from its pending lot first), what it
  spent is given back, under the key ``refund:<order id>:<refund id>``;
  a completed order's growth value goes back in the same proportion;
- the refund that leaves no unit gives back the coupons whose template
  says ``return_on_refund``, with their use counts;
- units that never shipped go back on hand; returned ones do with
  ``restock=True`` (the goods came back sellable).

Applying a ``refund_id`` the order already holds changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from mallcore.errors import NotFound
from mallcore.money import Money
from mallcore.orders import Actor, Order, Payment, PaymentRefund, PaymentStatus
from mallcore.ports import PaymentGateway, UnitOfWork
from mallcore.services._points import refund_order_points
from mallcore.services._stock import restock_refund
from mallcore.services.coupons import release_order_coupons
from mallcore.services.members import take_back_growth

__all__ = ["refund_order"]


def refund_order(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    order_id: str,
    *,
    refund_id: str,
    units: Mapping[str, int],
    reason: str,
    freight: Money | None,
    restock: bool,
    now: datetime,
    by: Actor = Actor.MERCHANT,
    amount: Money | None = None,
    return_freight: Money | None = None,
    asked_at: datetime | None = None,
) -> tuple[Order, list[object]]:
    """Refund ``units`` (line id -> count) and ``freight`` of an order; the order after it.

    See the module docstring for what moves. Bad units or freight raise
    InvalidValue, an order not paid IllegalTransition, an unreachable
    gateway Unavailable; each changes nothing. ``amount`` (a lower agreed
    refund) and ``return_freight`` (postage the merchant pays back) are
    :meth:`~mallcore.orders.Order.refund`'s, and so is ``asked_at`` (when
    the customer asked, for the after-sales window).
    """
    order = uow.orders.get(order_id)
    refunded, changes = order.refund(
        refund_id,
        units=units,
        at=now,
        reason=reason,
        freight=freight,
        by=by,
        amount=amount,
        return_freight=return_freight,
        asked_at=asked_at,
    )
    if not changes:
        return refunded, []
    refund = refunded.refunds[-1]
    moved = [
        *refund_order_points(uow, refunded, refund, at=now),
        *take_back_growth(uow, refunded, refund, at=now),
        *restock_refund(uow, refunded, refund, returned=restock, at=now),
    ]
    if not refunded.refundable_quantities() and refunded.refunded == refunded.payable:
        moved.extend(release_order_coupons(uow, refunded, at=now, refunded=True))
    uow.orders.save(refunded)
    if not refund.amount.is_zero() and order.payment_id is not None:
        refund_id = f"{order.id}-{refund.id}"
        payment, charged = _payment_of(uow, order, order.payment_id).refund(
            refund_id, amount=refund.amount, at=now, reason=reason
        )
        uow.payments.save(payment)
        moved.extend(charged)
        gateway.refund(refund_id=refund_id, payment_id=payment.id, amount=refund.amount)
    uow.commit()
    return refunded, [*changes, *moved]


def _payment_of(uow: UnitOfWork, order: Order, payment_id: str) -> Payment:
    """The payment ``payment_id`` that paid ``order``, as recorded.

    An order paid before payments were recorded has none: its record is
    rebuilt from the order (amount, time, the refunds it made) and saved.
    """
    try:
        return uow.payments.get(payment_id)
    except NotFound:
        pass
    made = [
        PaymentRefund(refund_id=f"{order.id}-{r.id}", amount=r.amount, at=r.at, reason=r.reason)
        for r in order.refunds
        if not r.amount.is_zero()
    ]
    rebuilt = Payment(
        id=payment_id,
        order_id=order.id,
        amount=order.payable,
        status=PaymentStatus.APPLIED,
        received_at=order.paid_at or order.placed_at,
        refunds=made,
    )
    uow.payments.save(rebuilt)
    return rebuilt
