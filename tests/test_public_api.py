"""Each package's public surface: pinned, and documented down to every public method."""

from __future__ import annotations

import importlib
import inspect

import pytest

PINNED = {
    "mallcore.orders": [
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
    ],
    "mallcore.ports": [
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
    ],
    "mallcore.services": [
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
    ],
    "mallcore.adapters": [
        "CanonicalCsvReader",
        "InMemoryEventLog",
        "InMemoryOrders",
        "InMemoryPayments",
        "InMemoryPoints",
        "InMemoryProducts",
        "InMemoryStocks",
        "InMemoryStore",
        "InMemoryUnitOfWork",
        "SIGNATURE_HEADER",
        "SimulatedCourier",
        "SimulatedGateway",
        "SqliteUnitOfWork",
        "SystemClock",
        "WeChatPayTradeBillReader",
    ],
    "mallcore.reconciliation": [
        "DEFAULT_TOLERANCE",
        "DiscrepancyFound",
        "Finding",
        "FindingKind",
        "MalformedRow",
        "MovementKind",
        "MovementStatus",
        "Reconciliation",
        "ReconciliationEvent",
        "RecordedMovement",
        "Statement",
        "StatementEntry",
        "StatementReconciled",
        "Totals",
        "day_bounds",
        "reconcile",
    ],
    "mallcore.testing.contracts": [
        "CourierContract",
        "PaymentGatewayContract",
        "PaymentSandbox",
        "StatementReaderContract",
        "UnitOfWorkContract",
    ],
}
DOCUMENTED = [
    "mallcore.catalog",
    "mallcore.pricing",
    "mallcore.shipping",
    "mallcore.loyalty",
    "mallcore.orders",
    "mallcore.reconciliation",
    "mallcore.ports",
    "mallcore.services",
    "mallcore.adapters",
    "mallcore.testing.fakes",
]


@pytest.mark.parametrize("package", sorted(PINNED))
def test_the_package_exports_exactly_its_chosen_names(package: str) -> None:
    assert importlib.import_module(package).__all__ == PINNED[package]


@pytest.mark.parametrize("package", DOCUMENTED)
def test_every_exported_class_function_and_public_method_has_a_docstring(package: str) -> None:
    module = importlib.import_module(package)
    undocumented = []
    for name in module.__all__:
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if not inspect.getdoc(value):
            undocumented.append(name)
        members = vars(value).items() if inspect.isclass(value) else ()
        for member, attribute in members:
            if member.startswith("_") or not callable(getattr(value, member)):
                continue
            function = getattr(attribute, "__func__", attribute)
            if not inspect.getdoc(function):
                undocumented.append(f"{name}.{member}")

    assert undocumented == []
