"""Use cases: the domain driven through the ports, behind one object, the :class:`Mall`.

A host builds a :class:`Mall` once over its ports and calls its methods;
the modules here are its implementation, one per part of the shop, each
function running inside the unit of work the Mall opens:

- checkout: :class:`Checkout` (what the shopper asks for), pricing and placing;
- coupons: claims, codes, the wallet at checkout, an order's coupons;
- payments, fulfilment, after_sales: an order's later steps;
- members: registration and growth value;
- jobs: one item of each scheduled job, and the :class:`JobReport`;
- outbox: a command's events as envelopes, and the :class:`RelayReport`;
- counters: the usage counters of limited promotions.
"""

from mallcore.services.checkout import Checkout
from mallcore.services.jobs import JobItemFailed, JobReport
from mallcore.services.mall import DEFAULT_RETENTION, DEFAULT_RETRIES, Mall
from mallcore.services.outbox import RelayReport
from mallcore.services.payments import PaymentFlagged, PaymentHandled, PaymentOutcome

__all__ = [
    "Checkout",
    "DEFAULT_RETENTION",
    "DEFAULT_RETRIES",
    "JobItemFailed",
    "JobReport",
    "Mall",
    "PaymentFlagged",
    "PaymentHandled",
    "PaymentOutcome",
    "RelayReport",
]
