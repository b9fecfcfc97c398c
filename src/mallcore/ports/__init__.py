"""Ports: what the use cases need from the host, as small typing.Protocol classes.

Each port's docstring is its contract, errors included; the reference
adapters (:mod:`mallcore.adapters`) implement them, and
:mod:`mallcore.testing.contracts` checks any implementation against them.

- storage: :class:`ProductRepository`, :class:`StockRepository`,
  :class:`StockHoldRepository`, :class:`StockMovementRepository`, :class:`OrderRepository`,
  :class:`PointsRepository`, :class:`ConfigurationRepository`,
  :class:`CouponTemplateRepository`, :class:`CouponRepository`,
  :class:`CounterRepository`, :class:`MemberRepository` under a :class:`UnitOfWork`;
- payment: :class:`PaymentGateway` and the values it speaks in;
- courier: :class:`Courier`, :class:`Waybill`, :class:`TrackingEvent`;
- runtime: :class:`Clock`, :class:`EventPublisher`;
- statements: :class:`StatementReader` (reconciliation).
- outbox: :class:`OutboxRepository` (``uow.outbox``) and the :class:`OutboxEvent` envelope.
"""

from mallcore.ports.courier import Courier, TrackingEvent, TrackingStatus, Waybill
from mallcore.ports.outbox import OutboxEvent, OutboxRepository
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
    MAX_PAGE,
    AfterSalesRepository,
    ConfigurationRepository,
    CounterRepository,
    CouponRepository,
    CouponTemplateRepository,
    MemberRepository,
    OrderRepository,
    PaymentRepository,
    PointsRepository,
    ProductRepository,
    ReadAhead,
    StockHoldRepository,
    StockMovementRepository,
    StockRepository,
    UnitOfWork,
)

__all__ = [
    "AfterSalesRepository",
    "Clock",
    "ConfigurationRepository",
    "CounterRepository",
    "CouponRepository",
    "CouponTemplateRepository",
    "Courier",
    "EventPublisher",
    "MAX_PAGE",
    "MemberRepository",
    "OrderRepository",
    "OutboxEvent",
    "OutboxRepository",
    "PaymentGateway",
    "PaymentNotification",
    "PaymentRepository",
    "PaymentRequest",
    "PaymentResult",
    "PointsRepository",
    "ProductRepository",
    "ReadAhead",
    "Refund",
    "StatementReader",
    "StockHoldRepository",
    "StockMovementRepository",
    "StockRepository",
    "TrackingEvent",
    "TrackingStatus",
    "UnitOfWork",
    "Waybill",
]
