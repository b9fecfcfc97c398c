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
- :class:`PaymentState`, :class:`FulfilmentState` (the order's axes, each
  with its table), :func:`order_status` (the status they make),
  :class:`OrderMove` and :class:`Actor` (its history).
- :class:`AfterSalesCase`, :class:`CaseKind`, :class:`CaseStatus` and
  :data:`CASE_TRANSITIONS`: an after-sales case (售后单) and its table.
- :class:`Payment`, :class:`PaymentStatus` and :data:`PAYMENT_TRANSITIONS`:
  the record of every payment attempt and notification, and its own table.
"""

from mallcore.orders.after_sales import (
    CASE_TRANSITIONS,
    MAX_REQUESTS_PER_LINE,
    OPEN_CASES,
    AfterSalesCase,
    AfterSalesEvent,
    CaseKind,
    CaseMoved,
    CaseStatus,
    ReturnFreightOwed,
)
from mallcore.orders.axes import (
    FULFILMENT_AXIS,
    PAYMENT_AXIS,
    Actor,
    AxisMoved,
    FulfilmentState,
    OrderMove,
    PaymentState,
    order_status,
)
from mallcore.orders.order import (
    DEFAULT_AFTER_SALES_WINDOW,
    DEFAULT_PAYMENT_WINDOW,
    CancellationAsked,
    CancellationRequest,
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
    OrderSettled,
    OrderStatusChanged,
    PackageScan,
    PackageShipped,
    RefundedUnits,
    Shipment,
)
from mallcore.orders.payment import (
    MAX_REFUNDS,
    PAYMENT_TRANSITIONS,
    REFUND_PERIOD,
    Payment,
    PaymentEvent,
    PaymentRefund,
    PaymentRefunded,
    PaymentStatus,
    PaymentStatusChanged,
)
from mallcore.orders.status import TRANSITIONS, OrderStatus

__all__ = [
    "Actor",
    "AfterSalesCase",
    "AfterSalesEvent",
    "AxisMoved",
    "CASE_TRANSITIONS",
    "CancellationAsked",
    "CancellationRequest",
    "CaseKind",
    "CaseMoved",
    "CaseStatus",
    "Charge",
    "Consignee",
    "DEFAULT_AFTER_SALES_WINDOW",
    "DEFAULT_PAYMENT_WINDOW",
    "FULFILMENT_AXIS",
    "FulfilmentState",
    "ItemSnapshot",
    "MAX_REFUNDS",
    "MAX_REQUESTS_PER_LINE",
    "OPEN_CASES",
    "Order",
    "OrderCoupon",
    "OrderEvent",
    "OrderLine",
    "OrderMove",
    "OrderPlaced",
    "OrderRefund",
    "OrderRefunded",
    "OrderSettled",
    "OrderStatus",
    "OrderStatusChanged",
    "PAYMENT_AXIS",
    "PAYMENT_TRANSITIONS",
    "PackageScan",
    "PackageShipped",
    "Payment",
    "PaymentEvent",
    "PaymentRefund",
    "PaymentRefunded",
    "PaymentState",
    "PaymentStatus",
    "PaymentStatusChanged",
    "REFUND_PERIOD",
    "RefundedUnits",
    "ReturnFreightOwed",
    "Shipment",
    "TRANSITIONS",
    "order_status",
]
