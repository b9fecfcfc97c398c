"""Orders: the order aggregate, its lifecycle table and its events.

See docs/orders.md. The main names:

- :class:`Order`: placed from a priced cart (:meth:`Order.place`), then moved
  by commands (``pay``, ``ship``, ``deliver``, ``complete``, ``cancel``,
  ``expire``, ``refund``), each returning the new order and its events.
- :class:`OrderStatus` and :data:`TRANSITIONS`: the states and the one table
  of allowed moves.
- :class:`OrderLine`, :class:`Shipment`: what was bought at what price per
  unit, and the packages sent.
- :class:`OrderRefund`, :class:`RefundedUnits`: an after-sales refund, the
  units it returned and what each had cost.
"""

from mallcore.orders.order import (
    DEFAULT_PAYMENT_WINDOW,
    Charge,
    Consignee,
    ItemSnapshot,
    Order,
    OrderCoupon,
    OrderEvent,
    OrderLine,
    OrderPlaced,
    OrderRefund,
    OrderRefunded,
    OrderStatusChanged,
    PackageShipped,
    RefundedUnits,
    Shipment,
)
from mallcore.orders.status import TRANSITIONS, OrderStatus

__all__ = [
    "Charge",
    "Consignee",
    "DEFAULT_PAYMENT_WINDOW",
    "ItemSnapshot",
    "Order",
    "OrderCoupon",
    "OrderEvent",
    "OrderLine",
    "OrderPlaced",
    "OrderRefund",
    "OrderRefunded",
    "OrderStatus",
    "OrderStatusChanged",
    "PackageShipped",
    "RefundedUnits",
    "Shipment",
    "TRANSITIONS",
]
