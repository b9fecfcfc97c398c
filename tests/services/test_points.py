"""Points on an order's life: spent at placing, held from payment, released at completion."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mallcore.adapters import InMemoryEventLog, SqliteUnitOfWork
from mallcore.catalog import Listing, ListingStatus, Product, Sku, Stock
from mallcore.errors import InvalidValue
from mallcore.loyalty import Benefits, EarningPolicy, EntryKind, Tier, TierProgram
from mallcore.money import Money
from mallcore.orders import Order, OrderStatus
from mallcore.ports import UnitOfWork
from mallcore.pricing import Customer
from mallcore.services import (
    cancel_overdue_orders,
    complete_due_orders,
    confirm_receipt,
    place_order,
)
from mallcore.testing.fakes import FakeClock
from tests.services.conftest import ALICE, OPENING, TEN_PERCENT, Shop, give_points

# One point per whole yuan paid for the goods (freight out): the EarningPolicy defaults.
ONE_PER_YUAN = EarningPolicy()


def _balance(uow: UnitOfWork) -> int:
    with uow:
        return uow.points.get("alice").balance(at=OPENING + timedelta(hours=1))


def _place(shop: Shop, order_id: str, items: dict[str, int]) -> Order:
    return shop.place(items, order_id, points=TEN_PERCENT)


def _buy(shop: Shop) -> Order:
    """Place an order of two tins that earns points, and pay it (notified twice)."""
    order = shop.place({"tea": 2}, earning=ONE_PER_YUAN)
    body, headers = shop.payment()
    for _ in range(2):
        shop.notify(body, headers)
    return order


def test_placing_an_order_spends_the_points_its_quote_used(shop: Shop) -> None:
    give_points(shop.uow(), 5_000)

    order = _place(shop, "O-1", {"tea": 2, "cup": 1})

    assert order.points_used == 1_500
    assert order.payable == Money("135.00", "CNY")
    assert _balance(shop.uow()) == 3_500


def test_a_customer_without_an_account_places_an_order_without_points(shop: Shop) -> None:
    order = _place(shop, "O-1", {"tea": 1})

    assert order.points_used == 0
    assert order.payable == Money("60.00", "CNY")


def test_an_order_cancelled_at_its_deadline_gives_its_points_back(shop: Shop) -> None:
    give_points(shop.uow(), 5_000)
    _place(shop, "O-1", {"tea": 2})
    shop.clock.advance(timedelta(minutes=30))

    cancel_overdue_orders(uow=shop.uow(), clock=shop.clock, events=shop.events)

    assert _balance(shop.uow()) == 5_000


def test_an_order_cancelled_for_want_of_stock_at_payment_gives_its_points_back(
    shop: Shop,
) -> None:
    give_points(shop.uow(), 5_000)
    _place(shop, "O-1", {"cup": 1})
    body, headers = shop.payment()
    shop.clock.advance(timedelta(minutes=31))
    _place(shop, "O-2", {"cup": 1})

    shop.notify(body, headers)

    assert shop.order().status is OrderStatus.CANCELLED
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
    give_points(SqliteUnitOfWork(path), 1_000)
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


def test_an_order_remembers_the_points_its_checkout_priced(shop: Shop) -> None:
    order = shop.place({"tea": 2, "cup": 1}, earning=ONE_PER_YUAN)

    assert order.points_to_earn == 150


def test_paying_an_order_holds_its_points_pending_once(shop: Shop) -> None:
    _buy(shop)

    account = shop.points()
    assert (account.balance(), account.pending_points) == (0, 120)
    assert [entry.kind for entry in account.ledger()] == [EntryKind.PENDING]


def test_confirming_receipt_releases_the_held_points_once(shop: Shop) -> None:
    _buy(shop)
    shop.ship()

    for _ in range(2):
        confirm_receipt(uow=shop.uow(), clock=shop.clock, events=shop.events, order_id="O-1")

    account = shop.points()
    assert (account.balance(), account.pending_points) == (120, 0)


def test_with_an_after_sales_window_the_points_wait_until_it_closes(shop: Shop) -> None:
    _buy(shop)
    shop.ship()
    window = timedelta(days=7)

    confirm_receipt(
        uow=shop.uow(), clock=shop.clock, events=shop.events, order_id="O-1", after_sales=window
    )
    completed = shop.clock.now()
    before, _ = shop.points().expire(completed + window - timedelta(seconds=1))
    after, _ = shop.points().expire(completed + window)

    assert shop.points().lot(0).locked_until == completed + window
    assert (before.balance(), before.pending_points) == (0, 120)
    assert (after.balance(), after.pending_points) == (120, 0)


def test_an_order_completed_by_the_job_releases_its_points_too(shop: Shop) -> None:
    _buy(shop)
    shop.ship()
    shop.clock.advance(timedelta(days=7))

    complete_due_orders(uow=shop.uow(), clock=shop.clock, events=shop.events)

    assert shop.points().balance() == 120


def test_an_order_without_an_earning_policy_holds_no_points(shop: Shop) -> None:
    order = _place(shop, "O-1", {"tea": 1})

    shop.notify(*shop.payment())

    assert order.points_to_earn == 0
    with shop.uow() as uow, pytest.raises(LookupError):
        uow.points.get("alice")


def test_a_negative_after_sales_window_is_refused_and_changes_nothing(shop: Shop) -> None:
    _buy(shop)
    shop.ship()

    with pytest.raises(InvalidValue, match="after_sales: must be a timedelta, not negative"):
        confirm_receipt(
            uow=shop.uow(),
            clock=shop.clock,
            events=shop.events,
            order_id="O-1",
            after_sales=timedelta(days=-1),
        )

    assert shop.order().status is OrderStatus.SHIPPED


def test_a_members_tier_prices_the_order_and_multiplies_the_points_it_holds(shop: Shop) -> None:
    gold = Tier(id="gold", threshold=1000, benefits=Benefits(percent_off=10, points_multiplier=2))
    program = TierProgram(tiers=[Tier(id="normal", threshold=0), gold])

    order = place_order(
        uow=shop.uow(),
        clock=shop.clock,
        events=shop.events,
        order_id="O-1",
        customer=Customer(id="alice", tier="gold"),
        items={"tea": 2},
        earning=ONE_PER_YUAN,
        tiers=program,
    )

    assert order.payable == Money("108.00", "CNY")
    assert order.points_to_earn == 216
