"""Stock through the payment use case, on the in-memory and SQLite adapters alike.

A paid order's units leave the stock's live holds and become one movement per
SKU; the regression of issue 11's second bug: a payment after its hold lapsed,
when another order meanwhile cleared the lapsed hold, is paid (it was
StaleVersion: two stock versions made, one saved).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from mallcore.adapters import (
    InMemoryEventLog,
    InMemoryStore,
    InMemoryUnitOfWork,
    SimulatedGateway,
    SqliteUnitOfWork,
)
from mallcore.adapters.sqlite import memory_database
from mallcore.catalog import Listing, ListingStatus, Product, Sku, Stock, StockMovement
from mallcore.errors import IllegalTransition
from mallcore.money import Money
from mallcore.orders import Order
from mallcore.ports import UnitOfWork
from mallcore.pricing import Customer
from mallcore.services import (
    PaymentOutcome,
    handle_payment_notification,
    place_order,
    start_payment,
)
from mallcore.services._stock import release_order_stock
from mallcore.testing.fakes import FakeClock

OPENING = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)
NewUnitOfWork = Callable[[], UnitOfWork]


def _in_memory() -> Iterator[NewUnitOfWork]:
    store = InMemoryStore()
    yield lambda: InMemoryUnitOfWork(store)


def _sqlite_memory() -> Iterator[NewUnitOfWork]:
    connect = memory_database()
    yield lambda: SqliteUnitOfWork(connect)
    connect().close()


@pytest.fixture(params=["memory", "sqlite"])
def new_uow(request: pytest.FixtureRequest) -> Iterator[NewUnitOfWork]:
    """A unit-of-work factory over a shop with 3 units of tea, one entry per adapter."""
    factories = _in_memory() if request.param == "memory" else _sqlite_memory()
    new = next(factories)
    price = Money("60.00", "CNY")
    with new() as uow:
        sku = Sku("tea", {}, price, price, stock=3)
        uow.products.save(
            Product.single("tea", "Tea", "tea", sku, listing=Listing(ListingStatus.ON_SHELF))
        )
        uow.stocks.save(Stock.for_sku("tea", 3))
        uow.commit()
    yield new
    next(factories, None)


def _place(new_uow: NewUnitOfWork, clock: FakeClock, order_id: str, customer: str) -> Order:
    return place_order(
        uow=new_uow(),
        clock=clock,
        events=InMemoryEventLog(),
        order_id=order_id,
        customer=Customer(id=customer),
        items={"tea": 1},
    )


def _pay(new_uow: NewUnitOfWork, clock: FakeClock, order_id: str) -> Callable[[], PaymentOutcome]:
    """Start ``order_id``'s payment now; a callable that delivers its notification."""
    gateway = SimulatedGateway(secret=b"test-secret")
    request = start_payment(uow=new_uow(), gateway=gateway, order_id=order_id)
    body, headers = gateway.pay(request.reference, at=clock.now())

    def notify() -> PaymentOutcome:
        return handle_payment_notification(
            uow=new_uow(),
            gateway=gateway,
            clock=clock,
            events=InMemoryEventLog(),
            body=body,
            headers=headers,
        ).outcome

    return notify


def test_a_late_payment_is_taken_after_another_order_cleared_its_lapsed_hold(
    new_uow: NewUnitOfWork,
) -> None:
    clock = FakeClock(OPENING)
    _place(new_uow, clock, "O-late", "alice")
    clock.advance(timedelta(minutes=31))
    _place(new_uow, clock, "O-bob", "bob")

    outcome = _pay(new_uow, clock, "O-late")()

    assert outcome is PaymentOutcome.PAID
    with new_uow() as uow:
        stock = uow.stocks.get("tea")
        movement = uow.stock_movements.get("tea", "O-late")
    assert (stock.on_hand, stock.available) == (2, 1)
    assert [r.order_id for r in stock.reservations] == ["O-bob"]
    assert movement == StockMovement("tea", "O-late", 1, clock.now())


def test_a_paid_order_is_recorded_once_and_its_stock_cannot_be_released(
    new_uow: NewUnitOfWork,
) -> None:
    clock = FakeClock(OPENING)
    order = _place(new_uow, clock, "O-1", "alice")
    notify = _pay(new_uow, clock, "O-1")
    notify()
    with new_uow() as uow:
        before = uow.stocks.get("tea")

    again = notify()

    with new_uow() as uow:
        assert uow.stocks.get("tea") == before
        with pytest.raises(IllegalTransition):
            release_order_stock(uow, order)
    assert again is PaymentOutcome.ALREADY_APPLIED
    assert (before.on_hand, before.reservations) == (2, ())
