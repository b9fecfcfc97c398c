"""An order's separate axes, each with its own table, and the status they make together.

An order moves on two axes at once, as the platforms show them:

::

    payment:     UNPAID ──pay──▶ PAID ──refund──▶ PARTIALLY_REFUNDED ──refund──▶ REFUNDED
                                   └──────────────refund of every unit──────────▶ REFUNDED

    fulfilment:  UNSHIPPED ──start_fulfilment──▶ PREPARING (备货中)
                     │                              │
                     ├──ship some──▶ PARTIALLY_SHIPPED ◀──ship some
                     │                              │
                     └──ship all / refund the rest──▶ SHIPPED ──every package delivered──▶ DELIVERED

- The payment axis counts units, as the platforms close orders: REFUNDED
  means every unit was refunded (the freight a carried parcel cost may stay
  with the merchant); PARTIALLY_REFUNDED that some money went back.
- The fulfilment axis follows the packages: PREPARING once the merchant
  started picking (``Order.start_fulfilment``); PARTIALLY_SHIPPED while some
  units wait; SHIPPED when nothing is left to ship (shipped, or the rest
  refunded before shipping); DELIVERED when every package is delivered.

Each axis is a function of what the order records (payments, packages,
refunds), and every command checks each axis's move against its table
(:data:`PAYMENT_AXIS`, :data:`FULFILMENT_AXIS`): a move outside it raises
IllegalTransition and changes nothing. :func:`order_status` is the one
place the familiar :class:`~mallcore.orders.OrderStatus` comes from:

=====================  ==================  =========================  ===================
payment                fulfilment          completed / ended          status
=====================  ==================  =========================  ===================
unpaid                 any                 not ended                  awaiting_payment
unpaid                 any                 ended (cancelled)          cancelled
any paid state         any                 completed                  completed
refunded               any                 not completed              closed
paid, part. refunded   unshipped to part.  --                         paid
paid, part. refunded   shipped             --                         shipped
paid, part. refunded   delivered           --                         delivered
=====================  ==================  =========================  ===================
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final, TypeVar

import attrs

from mallcore.errors import IllegalTransition
from mallcore.orders.status import OrderStatus

__all__ = [
    "Actor",
    "AxisMoved",
    "FULFILMENT_AXIS",
    "FulfilmentState",
    "OrderMove",
    "PAYMENT_AXIS",
    "PaymentState",
    "axis_move",
    "order_status",
]

S = TypeVar("S", "PaymentState", "FulfilmentState")


class PaymentState(enum.Enum):
    """Where the order's money is."""

    UNPAID = "unpaid"
    """Not paid (waiting, or cancelled unpaid)."""
    PAID = "paid"
    """Paid in full, nothing returned."""
    PARTIALLY_REFUNDED = "partially_refunded"
    """Some of the money went back."""
    REFUNDED = "refunded"
    """Every unit was refunded."""


class FulfilmentState(enum.Enum):
    """Where the order's goods are."""

    UNSHIPPED = "unshipped"
    """Nothing has left and nobody started."""
    PREPARING = "preparing"
    """备货中: the merchant started picking and packing."""
    PARTIALLY_SHIPPED = "partially_shipped"
    """Some units left, some wait."""
    SHIPPED = "shipped"
    """Nothing is left to ship."""
    DELIVERED = "delivered"
    """Every package was delivered."""


PAYMENT_AXIS: Final = MappingProxyType(
    {
        PaymentState.UNPAID: frozenset({PaymentState.PAID}),
        PaymentState.PAID: frozenset({PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED}),
        PaymentState.PARTIALLY_REFUNDED: frozenset({PaymentState.REFUNDED}),
        PaymentState.REFUNDED: frozenset[PaymentState](),
    }
)
"""The payment axis's allowed moves."""

FULFILMENT_AXIS: Final = MappingProxyType(
    {
        FulfilmentState.UNSHIPPED: frozenset(
            {
                FulfilmentState.PREPARING,
                FulfilmentState.PARTIALLY_SHIPPED,
                FulfilmentState.SHIPPED,
            }
        ),
        FulfilmentState.PREPARING: frozenset(
            {FulfilmentState.PARTIALLY_SHIPPED, FulfilmentState.SHIPPED}
        ),
        FulfilmentState.PARTIALLY_SHIPPED: frozenset({FulfilmentState.SHIPPED}),
        FulfilmentState.SHIPPED: frozenset({FulfilmentState.DELIVERED}),
        FulfilmentState.DELIVERED: frozenset[FulfilmentState](),
    }
)
"""The fulfilment axis's allowed moves."""


class Actor(enum.Enum):
    """Who moved an order."""

    CUSTOMER = "customer"
    MERCHANT = "merchant"
    SYSTEM = "system"
    """A scheduled job (timeouts, auto-confirmation)."""
    COURIER = "courier"
    PAYMENT_PROVIDER = "payment_provider"


@attrs.frozen(kw_only=True)
class OrderMove:
    """One entry of an order's history: what happened, when, by whom, and why."""

    what: str
    at: datetime
    by: Actor
    why: str = ""


@attrs.frozen
class AxisMoved:
    """Order ``order_id`` moved on ``axis`` (payment, fulfilment) from ``source`` to ``target``."""

    order_id: str
    axis: str
    source: str
    target: str
    at: datetime


def order_status(
    payment: PaymentState, fulfilment: FulfilmentState, *, completed: bool, ended: bool
) -> OrderStatus:
    """The order status the axes make (the table in the module docstring)."""
    if payment is PaymentState.UNPAID:
        return OrderStatus.CANCELLED if ended else OrderStatus.AWAITING_PAYMENT
    if completed:
        return OrderStatus.COMPLETED
    if payment is PaymentState.REFUNDED:
        return OrderStatus.CLOSED
    if fulfilment is FulfilmentState.SHIPPED:
        return OrderStatus.SHIPPED
    if fulfilment is FulfilmentState.DELIVERED:
        return OrderStatus.DELIVERED
    return OrderStatus.PAID


def axis_move(
    order_id: str,
    axis: str,
    table: Mapping[S, frozenset[S]],
    source: S,
    target: S,
    at: datetime,
) -> AxisMoved | None:
    """The event of a move on ``axis`` (None when it stays), or IllegalTransition off its table."""
    if source is target:
        return None
    if target not in table[source]:
        raise IllegalTransition(f"order {axis}", order_id, source.value, target.value)
    return AxisMoved(order_id, axis, source.value, target.value, at)
