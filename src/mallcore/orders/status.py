"""The order lifecycle: its states and the one table of allowed moves.

::

    AWAITING_PAYMENT ──pay──▶ PAID ──ship──▶ SHIPPED ──deliver──▶ DELIVERED ──complete──▶ COMPLETED
          │                    │                │                     │
          └─cancel / timeout─▶ CANCELLED        └──complete (confirmed before the courier's scan)
                               │                │                     │
                               └────────────────┴──refund of the last unit──▶ CLOSED

- 待付款 an order waits for payment until its deadline; the customer may
  cancel it, and past the deadline it is cancelled (its stock comes back).
- 已付款/待发货 a paid order is shipped (also when a refund of its unshipped
  units leaves only shipped ones), or closed when its last unit is refunded.
- 已发货 a shipped order is delivered (the courier's scan) or confirmed by the
  customer straight away; 已签收 a delivered order is completed when the
  customer confirms or the confirmation window runs out. Either is closed
  when its last unit is refunded (交易关闭).
- 已完成, 已取消, 已关闭 are final: nothing leaves them. A completed order may
  still be refunded (after-sales sits on top of it), but stays completed.

:data:`TRANSITIONS` is the only place a move is allowed; every command of
:class:`~mallcore.orders.Order` asks it.
"""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import Final

__all__ = ["OrderStatus", "TRANSITIONS"]


class OrderStatus(enum.Enum):
    """Where an order is in its lifecycle."""

    AWAITING_PAYMENT = "awaiting_payment"
    """待付款: placed, stock held, waiting for the payment notification."""
    PAID = "paid"
    """已付款 / 待发货: paid, waiting to be shipped."""
    SHIPPED = "shipped"
    """已发货: handed to the courier."""
    DELIVERED = "delivered"
    """已签收: the courier reports it delivered."""
    COMPLETED = "completed"
    """已完成: receipt confirmed; its points are released. Final."""
    CANCELLED = "cancelled"
    """已取消: never paid (cancelled or timed out). Final."""
    CLOSED = "closed"
    """已关闭: paid, then every unit refunded before completion. Final."""


TRANSITIONS: Final = MappingProxyType(
    {
        OrderStatus.AWAITING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
        OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CLOSED}),
        OrderStatus.SHIPPED: frozenset(
            {OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CLOSED}
        ),
        OrderStatus.DELIVERED: frozenset({OrderStatus.COMPLETED, OrderStatus.CLOSED}),
        OrderStatus.COMPLETED: frozenset[OrderStatus](),
        OrderStatus.CANCELLED: frozenset[OrderStatus](),
        OrderStatus.CLOSED: frozenset[OrderStatus](),
    }
)
"""The allowed moves: status -> the statuses it may move to."""
