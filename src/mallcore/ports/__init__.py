"""Ports: what the use cases need from the host, as small typing.Protocol classes.

Each port's docstring is its contract, errors included; the reference
adapters (:mod:`mallcore.adapters`) implement them, and
:mod:`mallcore.testing.contracts` checks any implementation against them.

- storage: :class:`ProductRepository`, :class:`StockRepository`,
  :class:`OrderRepository`, :class:`PointsRepository` under a :class:`UnitOfWork`;
- payment: :class:`PaymentGateway` and the values it speaks in;
- courier: :class:`Courier`, :class:`Waybill`, :class:`TrackingEvent`;
- runtime: :class:`Clock`, :class:`EventPublisher`;
- statements: :class:`StatementReader` (reconciliation).
"""

from mallcore.ports.courier import Courier, TrackingEvent, TrackingStatus, Waybill
from mallcore.ports.payment import (
    PaymentGateway,
    PaymentNotification,
    PaymentRequest,
    PaymentResult,
    Refund,
)
from mallcore.ports.runtime import Clock, EventPublisher
from mallcore.ports.statements import StatementReader
from mallcore.ports.storage import (
    OrderRepository,
    PointsRepository,
    ProductRepository,
    StockRepository,
    UnitOfWork,
)

__all__ = [
    "Clock",
    "Courier",
    "EventPublisher",
    "OrderRepository",
    "PaymentGateway",
    "PaymentNotification",
    "PaymentRequest",
    "PaymentResult",
    "PointsRepository",
    "ProductRepository",
    "Refund",
    "StatementReader",
    "StockRepository",
    "TrackingEvent",
    "TrackingStatus",
    "UnitOfWork",
    "Waybill",
]
