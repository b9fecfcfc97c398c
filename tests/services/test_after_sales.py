"""After-sales refunds as a use case: money through the gateway, the order, points and stock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork
from mallcore.errors import InvalidValue, Unavailable
from mallcore.loyalty import EarningPolicy
from mallcore.merchant import Settings
from mallcore.money import Money
from mallcore.orders import Order, OrderRefunded, OrderStatus
from mallcore.testing.strategies import refund_requests
from tests.services.conftest import TEN_PERCENT, Shop, give_points, open_shop


def _buy(shop: Shop, items: dict[str, int], *, points: bool = False) -> Order:
    """Place an order earning 1 point a yuan (spending points if asked), and pay it.

    The after-sales window is zero: completion releases the points at once.
    """
    shop.configure(
        earning=EarningPolicy(),
        redemption=TEN_PERCENT,
        settings=Settings(after_sales_window=timedelta(0)),
    )
    shop.place(items, points=None if points else 0)
    shop.notify(*shop.payment())
    return shop.order()


def _deliver_and_confirm(shop: Shop) -> Order:
    shop.ship()
    shop.clock.advance(timedelta(days=2))
    return shop.mall.confirm_receipt("O-1")


def _refund(shop: Shop, refund_id: str, units: dict[str, int], *, restock: bool = False) -> Order:
    return shop.mall.refund_order("O-1", refund_id, units, reason="不想要了", restock=restock)


def test_a_returned_tin_is_refunded_through_the_gateway_and_its_points_taken_back(
    shop: Shop,
) -> None:
    _buy(shop, {"tea": 2})
    _deliver_and_confirm(shop)

    order = _refund(shop, "RMA-1", {"tea": 1})

    assert [(r.refund_id, r.amount) for r in shop.gateway.refunds()] == [
        ("O-1-RMA-1", Money("60.00", "CNY"))
    ]
    assert order.refunded == Money("60.00", "CNY")
    assert order.status is OrderStatus.COMPLETED
    assert shop.points().balance() == 60
    assert shop.order() == order


def test_the_same_refund_applied_twice_moves_money_and_points_once(shop: Shop) -> None:
    _buy(shop, {"tea": 2})
    _deliver_and_confirm(shop)

    for _ in range(2):
        _refund(shop, "RMA-1", {"tea": 1})

    assert len(shop.gateway.refunds()) == 1
    assert shop.points().balance() == 60
    assert len([e for e in shop.published() if isinstance(e, OrderRefunded)]) == 1


def test_a_paid_order_refunded_whole_before_shipping_closes_and_gives_everything_back(
    shop: Shop,
) -> None:
    give_points(shop.uow(), 5_000)
    paid = _buy(shop, {"tea": 2}, points=True)
    assert (shop.points().balance(), shop.points().pending_points) == (3_800, 108)

    closed = _refund(shop, "RMA-1", {"tea": 2})

    assert closed.status is OrderStatus.CLOSED
    assert [r.amount for r in shop.gateway.refunds()] == [paid.payable]
    assert (shop.points().balance(), shop.points().pending_points) == (5_000, 0)
    assert (shop.stock("tea").on_hand, shop.stock("tea").available) == (10, 10)


def test_returned_units_go_back_on_hand_only_when_restocked(shop: Shop) -> None:
    _buy(shop, {"tea": 3})
    _deliver_and_confirm(shop)

    _refund(shop, "RMA-1", {"tea": 1})
    kept = shop.stock("tea").on_hand
    _refund(shop, "RMA-2", {"tea": 1}, restock=True)

    assert (kept, shop.stock("tea").on_hand) == (7, 8)


def test_a_refund_the_gateway_cannot_make_changes_nothing(shop: Shop) -> None:
    _buy(shop, {"tea": 2})
    before = _deliver_and_confirm(shop)
    shop.gateway.available = False

    with pytest.raises(Unavailable):
        _refund(shop, "RMA-1", {"tea": 1})

    assert shop.order() == before
    assert shop.points().balance() == 120


def test_a_refund_of_more_units_than_bought_is_refused_and_refunds_nothing(shop: Shop) -> None:
    _buy(shop, {"tea": 2})

    with pytest.raises(InvalidValue, match=r"units\['tea'\]: must not exceed the 2 unshipped"):
        _refund(shop, "RMA-1", {"tea": 3})

    assert shop.gateway.refunds() == ()
    assert shop.order().refunds == ()


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 10), st.booleans(), st.booleans(), st.data())
def test_refunding_every_unit_restores_the_spent_points_and_takes_back_the_earned(
    tins: int, spend: bool, completed: bool, data: st.DataObject
) -> None:
    store = InMemoryStore()
    shop = open_shop(lambda: InMemoryUnitOfWork(store))
    give_points(shop.uow(), 5_000)
    order = _buy(shop, {"tea": tins}, points=spend)
    if completed:
        order = _deliver_and_confirm(shop)
    step = 0
    while left := order.refundable_quantities():
        step += 1
        units = data.draw(refund_requests(order)) if step < 3 else left
        order = _refund(shop, f"RMA-{step}", units)

    account = shop.points()
    assert (account.balance(), account.pending_points) == (5_000, 0)
    refunded = sum((r.amount for r in shop.gateway.refunds()), start=Money.zero("CNY"))
    assert refunded == order.goods_payable
