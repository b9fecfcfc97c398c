"""A small shop wired on the in-memory adapters, for the use-case tests."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from mallcore.adapters import (
    InMemoryEventLog,
    InMemoryStore,
    InMemoryUnitOfWork,
    SimulatedCourier,
    SimulatedGateway,
)
from mallcore.catalog import Listing, ListingStatus, Product, Sku, Stock
from mallcore.loyalty import EarningPolicy, PointsAccount, RedemptionPolicy
from mallcore.money import Money
from mallcore.orders import Order
from mallcore.ports import UnitOfWork
from mallcore.pricing import Customer
from mallcore.services import (
    PaymentOutcome,
    handle_payment_notification,
    place_order,
    ship_order,
    start_payment,
)
from mallcore.testing.fakes import FakeClock

OPENING = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)
ALICE = Customer(id="alice")
TEN_PERCENT = RedemptionPolicy(points_per_unit=100, max_share=10)
"""Taobao's 淘金币-style rule: 100 points make 1 yuan, at most 10% of the goods."""


@attrs.define
class Shop:
    """The ports a host would wire, in memory, with a shop of two products."""

    store: InMemoryStore
    clock: FakeClock
    events: InMemoryEventLog
    gateway: SimulatedGateway
    courier: SimulatedCourier

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store)

    def stock(self, sku_id: str) -> Stock:
        with self.uow() as uow:
            return uow.stocks.get(sku_id)

    def order(self, order_id: str = "O-1") -> Order:
        with self.uow() as uow:
            return uow.orders.get(order_id)

    def points(self, customer_id: str = "alice") -> PointsAccount:
        with self.uow() as uow:
            return uow.points.get(customer_id)

    def place(
        self,
        items: dict[str, int],
        order_id: str = "O-1",
        *,
        points: RedemptionPolicy | None = None,
        earning: EarningPolicy | None = None,
    ) -> Order:
        """Alice places an order for ``items``, spending or earning points by the policies."""
        return place_order(
            uow=self.uow(),
            clock=self.clock,
            events=self.events,
            order_id=order_id,
            customer=ALICE,
            items=items,
            points=points,
            earning=earning,
        )

    def payment(self, order_id: str = "O-1") -> tuple[bytes, dict[str, str]]:
        """Start the order's payment and pay it: the signed notification the provider posts."""
        request = start_payment(uow=self.uow(), gateway=self.gateway, order_id=order_id)
        return self.gateway.pay(request.reference, at=self.clock.now())

    def notify(self, body: bytes, headers: dict[str, str]) -> PaymentOutcome:
        """Hand a notification to the use case, as the host's webhook would; its outcome."""
        return handle_payment_notification(
            uow=self.uow(),
            gateway=self.gateway,
            clock=self.clock,
            events=self.events,
            body=body,
            headers=headers,
        ).outcome

    def ship(self, order_id: str = "O-1", items: dict[str, int] | None = None) -> Order:
        return ship_order(
            uow=self.uow(),
            courier=self.courier,
            clock=self.clock,
            events=self.events,
            order_id=order_id,
            destination="330106",
            items=items,
        )


def give_points(uow: UnitOfWork, points: int, customer_id: str = "alice") -> None:
    """Open ``customer_id``'s account with ``points`` available since the opening."""
    with uow:
        account = PointsAccount.open(customer_id)
        uow.points.save(account)
        uow.points.save(account.earn(points, key="welcome", at=OPENING)[0])
        uow.commit()


def _on_sale(sku: Sku) -> Product:
    return Product.single(sku.id, sku.id, "tea", sku, listing=Listing(ListingStatus.ON_SHELF))


def open_shop() -> Shop:
    """A fresh shop: tea at 60.00 (10 units) and a cup at 30.00 (1 unit), all on sale."""
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        for sku_id, price, units in (("tea", "60.00", 10), ("cup", "30.00", 1)):
            uow.products.save(
                _on_sale(Sku(sku_id, {}, Money(price, "CNY"), Money(price, "CNY"), stock=units))
            )
            uow.stocks.save(Stock.for_sku(sku_id, units))
        uow.commit()
    return Shop(
        store=store,
        clock=FakeClock(OPENING),
        events=InMemoryEventLog(),
        gateway=SimulatedGateway(secret=b"test-secret", decline_above=Money("1000", "CNY")),
        courier=SimulatedCourier(carrier="SF"),
    )


@pytest.fixture
def shop() -> Shop:
    return open_shop()
