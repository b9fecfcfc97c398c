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
from mallcore.money import Money
from mallcore.testing.fakes import FakeClock

OPENING = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)


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


def _on_sale(sku: Sku) -> Product:
    return Product.single(sku.id, sku.id, "tea", sku, listing=Listing(ListingStatus.ON_SHELF))


@pytest.fixture
def shop() -> Shop:
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
