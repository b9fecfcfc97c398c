"""Use cases: the domain driven through the ports, one function per thing a host does.

Every use case takes its ports as keyword arguments (``uow=``, ``clock=``,
``gateway=``, ``courier=``, ``events=``), runs in one transaction, and
publishes its events only after the commit. Business outcomes are return
values; a refused command raises and changes nothing.

- checkout: :func:`price_cart`, :func:`place_order`;
- payments: :func:`start_payment`, :func:`handle_payment_notification`;
- fulfilment: :func:`ship_order`, :func:`handle_tracking_event`, :func:`confirm_receipt`;
- jobs: :func:`cancel_overdue_orders`, :func:`complete_due_orders`;
- after-sales: :func:`refund_order`.
"""

from mallcore.services.after_sales import refund_order
from mallcore.services.checkout import place_order, price_cart
from mallcore.services.fulfilment import confirm_receipt, handle_tracking_event, ship_order
from mallcore.services.jobs import (
    DEFAULT_CONFIRMATION_WINDOW,
    cancel_overdue_orders,
    complete_due_orders,
)
from mallcore.services.payments import (
    PaymentHandled,
    PaymentOutcome,
    handle_payment_notification,
    start_payment,
)

__all__ = [
    "DEFAULT_CONFIRMATION_WINDOW",
    "PaymentHandled",
    "PaymentOutcome",
    "cancel_overdue_orders",
    "complete_due_orders",
    "confirm_receipt",
    "handle_payment_notification",
    "handle_tracking_event",
    "place_order",
    "price_cart",
    "refund_order",
    "ship_order",
    "start_payment",
]
