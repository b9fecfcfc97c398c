"""Each package's public surface: pinned, and documented down to every public method."""

from __future__ import annotations

import importlib
import inspect

import pytest

PINNED = {
    "mallcore.orders": [
        "DEFAULT_PAYMENT_WINDOW",
        "Order",
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
    ],
    "mallcore.ports": [
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
        "StockRepository",
        "TrackingEvent",
        "TrackingStatus",
        "UnitOfWork",
        "Waybill",
    ],
    "mallcore.services": [
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
    ],
    "mallcore.adapters": [
        "InMemoryEventLog",
        "InMemoryOrders",
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
    ],
    "mallcore.testing.contracts": [
        "CourierContract",
        "PaymentGatewayContract",
        "PaymentSandbox",
        "UnitOfWorkContract",
    ],
}
DOCUMENTED = [
    "mallcore.catalog",
    "mallcore.pricing",
    "mallcore.shipping",
    "mallcore.loyalty",
    "mallcore.orders",
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
