"""Points on an order's life: spent at placing, held from payment, released at completion."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mallcore.errors import InvalidValue
from mallcore.loyalty import (
    Benefits,
    EarningPolicy,
    EntryKind,
    Member,
    Membership,
    Tier,
    TierProgram,
)
from mallcore.merchant import Settings
from mallcore.money import Money
from mallcore.orders import Order, OrderStatus
from mallcore.ports import UnitOfWork
from tests.services.conftest import OPENING, TEN_PERCENT, Shop, give_points

# One point per whole yuan paid for the goods (freight out): the EarningPolicy defaults.
ONE_PER_YUAN = EarningPolicy()


def _member(uow: UnitOfWork, tier_id: str) -> None:
    """Store alice as a member of ``tier_id`` since the opening."""
    with uow:
        membership = Membership(member_id="alice", tier_id=tier_id, period_start=OPENING)
        uow.members.save(Member(customer_id="alice", registered_at=OPENING, membership=membership))
        uow.commit()


def _balance(uow: UnitOfWork) -> int:
    with uow:
        return uow.points.get("alice").balance(at=OPENING + timedelta(hours=1))


def _place(shop: Shop, order_id: str, items: dict[str, int]) -> Order:
    """Place an order spending as many points as the 10% policy allows."""
    shop.configure(redemption=TEN_PERCENT)
    return shop.place(items, order_id, points=None)


def _buy(shop: Shop, *, after_sales: timedelta = timedelta(0)) -> Order:
    """Place an order of two tins that earns points, and pay it (notified twice)."""
    shop.configure(earning=ONE_PER_YUAN, settings=Settings(after_sales_window=after_sales))
    order = shop.place({"tea": 2})
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

    shop.mall.cancel_overdue_orders()

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


def test_an_order_remembers_the_points_its_checkout_priced(shop: Shop) -> None:
    shop.configure(earning=ONE_PER_YUAN)

    order = shop.place({"tea": 2, "cup": 1})

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
        shop.mall.confirm_receipt("O-1")

    account = shop.points()
    assert (account.balance(), account.pending_points) == (120, 0)


def test_with_an_after_sales_window_the_points_wait_until_it_closes(shop: Shop) -> None:
    window = timedelta(days=7)
    _buy(shop, after_sales=window)
    shop.ship()

    shop.mall.confirm_receipt("O-1")
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

    shop.mall.complete_due_orders()

    assert shop.points().balance() == 120


def test_an_order_without_an_earning_policy_holds_no_points(shop: Shop) -> None:
    order = _place(shop, "O-1", {"tea": 1})

    shop.notify(*shop.payment())

    assert order.points_to_earn == 0
    with shop.uow() as uow, pytest.raises(LookupError):
        uow.points.get("alice")


def test_a_negative_after_sales_window_is_refused_and_changes_nothing(shop: Shop) -> None:
    before = shop.mall.configuration()

    with pytest.raises(InvalidValue, match="after_sales_window: must be between 0 and 3660 days"):
        shop.configure(settings=Settings(after_sales_window=timedelta(days=-1)))

    assert shop.mall.configuration() == before


def test_a_members_tier_prices_the_order_and_multiplies_the_points_it_holds(shop: Shop) -> None:
    gold = Tier(id="gold", threshold=1000, benefits=Benefits(percent_off=10, points_multiplier=2))
    program = TierProgram(tiers=[Tier(id="normal", threshold=0), gold])

    shop.configure(earning=ONE_PER_YUAN, tiers=program)
    _member(shop.uow(), "gold")

    order = shop.place({"tea": 2})

    assert order.payable == Money("108.00", "CNY")
    assert order.points_to_earn == 216
