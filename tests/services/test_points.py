"""Points on an order's life: spent at placing, given back when it is cancelled unpaid."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from mallcore.adapters import InMemoryEventLog, SqliteUnitOfWork
from mallcore.catalog import Listing, ListingStatus, Product, Sku, Stock
from mallcore.loyalty import PointsAccount, RedemptionPolicy
from mallcore.money import Money
from mallcore.orders import Order, OrderStatus
from mallcore.ports import UnitOfWork
from mallcore.pricing import Customer
from mallcore.services import (
    cancel_overdue_orders,
    handle_payment_notification,
    place_order,
    start_payment,
)
from mallcore.testing.fakes import FakeClock
from tests.services.conftest import OPENING, Shop

ALICE = Customer(id="alice")
# Taobao's 淘金币-style rule: 100 points make 1 yuan, at most 10% of the goods.
TEN_PERCENT = RedemptionPolicy(points_per_unit=100, max_share=10)


def _give_alice(uow: UnitOfWork, points: int) -> None:
    with uow:
        account = PointsAccount.open("alice")
        uow.points.save(account)
        uow.points.save(account.earn(points, key="welcome", at=OPENING)[0])
        uow.commit()


def _balance(uow: UnitOfWork) -> int:
    with uow:
        return uow.points.get("alice").balance(at=OPENING + timedelta(hours=1))


def _place(shop: Shop, order_id: str, items: dict[str, int]) -> Order:
    return place_order(
        uow=shop.uow(),
        clock=shop.clock,
        events=shop.events,
        order_id=order_id,
        customer=ALICE,
        items=items,
        points=TEN_PERCENT,
    )


def test_placing_an_order_spends_the_points_its_quote_used(shop: Shop) -> None:
    _give_alice(shop.uow(), 5_000)

    order = _place(shop, "O-1", {"tea": 2, "cup": 1})

    assert order.points_used == 1_500
    assert order.payable == Money("135.00", "CNY")
    assert _balance(shop.uow()) == 3_500


def test_a_customer_without_an_account_places_an_order_without_points(shop: Shop) -> None:
    order = _place(shop, "O-1", {"tea": 1})

    assert order.points_used == 0
    assert order.payable == Money("60.00", "CNY")


def test_an_order_cancelled_at_its_deadline_gives_its_points_back(shop: Shop) -> None:
    _give_alice(shop.uow(), 5_000)
    _place(shop, "O-1", {"tea": 2})
    shop.clock.advance(timedelta(minutes=30))

    cancel_overdue_orders(uow=shop.uow(), clock=shop.clock, events=shop.events)

    assert _balance(shop.uow()) == 5_000


def test_an_order_cancelled_for_want_of_stock_at_payment_gives_its_points_back(
    shop: Shop,
) -> None:
    _give_alice(shop.uow(), 5_000)
    _place(shop, "O-1", {"cup": 1})
    request = start_payment(uow=shop.uow(), gateway=shop.gateway, order_id="O-1")
    body, headers = shop.gateway.pay(request.reference, at=shop.clock.now())
    shop.clock.advance(timedelta(minutes=31))
    _place(shop, "O-2", {"cup": 1})

    handle_payment_notification(
        uow=shop.uow(),
        gateway=shop.gateway,
        clock=shop.clock,
        events=shop.events,
        body=body,
        headers=headers,
    )

    with shop.uow() as uow:
        assert uow.orders.get("O-1").status is OrderStatus.CANCELLED
    assert _balance(shop.uow()) == 5_000 - 300


def test_points_are_spent_and_given_back_on_sqlite_too(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    clock = FakeClock(OPENING)
    with SqliteUnitOfWork(path) as uow:
        sku = Sku("tea", {}, Money("60.00", "CNY"), Money("60.00", "CNY"), stock=5)
        product = Product.single("tea", "tea", "tea", sku, listing=Listing(ListingStatus.ON_SHELF))
        uow.products.save(product)
        uow.stocks.save(Stock.for_sku("tea", 5))
        uow.commit()
    _give_alice(SqliteUnitOfWork(path), 1_000)
    events = InMemoryEventLog()
    order = place_order(
        uow=SqliteUnitOfWork(path),
        clock=clock,
        events=events,
        order_id="O-1",
        customer=ALICE,
        items={"tea": 1},
        points=TEN_PERCENT,
    )
    spent = _balance(SqliteUnitOfWork(path))
    clock.advance(timedelta(minutes=30))

    cancel_overdue_orders(uow=SqliteUnitOfWork(path), clock=clock, events=events)

    assert (order.points_used, spent, _balance(SqliteUnitOfWork(path))) == (600, 400, 1_000)
