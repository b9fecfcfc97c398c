"""Stock through the Mall's payment, on every adapter: a paid order leaves a movement.

A paid order's units leave the stock's live holds and become one movement per
SKU. The regression of issue 11's second bug: a payment after its hold lapsed,
when another order meanwhile cleared the lapsed hold, is paid (it was
StaleVersion: two stock versions made, one saved). A checkout clears lapsed
holds only when it is short of units, and leaves them otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from mallcore.catalog import StockMovement
from mallcore.errors import IllegalTransition
from mallcore.orders import OrderStatus
from mallcore.services import PaymentOutcome
from mallcore.services._stock import release_order_stock
from tests.services.conftest import Shop


def test_a_late_payment_is_taken_after_another_order_cleared_its_lapsed_hold(
    shop: Shop,
) -> None:
    shop.place({"tea": 1}, "O-late")
    shop.clock.advance(timedelta(minutes=31))
    shop.place({"tea": 10}, "O-next")  # 9 units free: O-late's lapsed hold is cleared
    with shop.uow() as uow:
        assert [h.order_id for h in uow.stock_holds.of_sku("tea", limit=10)] == ["O-next"]
    shop.mall.cancel_order("O-next")

    outcome = shop.notify(*shop.payment("O-late"))

    with shop.uow() as uow:
        stock = uow.stocks.get("tea")
        holds = uow.stock_holds.of_sku("tea", limit=10)
        movement = uow.stock_movements.get("tea", "O-late")
    assert outcome is PaymentOutcome.PAID
    assert shop.order("O-late").status is OrderStatus.PAID
    assert (stock.on_hand, stock.available) == (9, 9)
    assert holds == []
    assert movement == StockMovement("tea", "O-late", 1, shop.clock.now())


def test_a_checkout_with_units_to_spare_leaves_a_lapsed_hold_for_the_expiry_job(
    shop: Shop,
) -> None:
    shop.place({"tea": 1}, "O-late")
    shop.clock.advance(timedelta(minutes=31))
    shop.place({"tea": 9}, "O-next")

    with shop.uow() as uow:
        holds = uow.stock_holds.of_sku("tea", limit=10)
    assert sorted(h.order_id for h in holds) == ["O-late", "O-next"]
    assert shop.stock("tea").available == 0
    shop.mall.cancel_overdue_orders()
    assert shop.order("O-late").status is OrderStatus.CANCELLED
    assert shop.stock("tea").available == 1


def test_a_paid_order_is_recorded_once_and_its_stock_cannot_be_released(shop: Shop) -> None:
    order = shop.place({"tea": 2})
    body, headers = shop.payment()
    shop.notify(body, headers)
    before = shop.stock("tea")

    again = shop.notify(body, headers)

    assert again is PaymentOutcome.ALREADY_APPLIED
    assert shop.stock("tea") == before
    assert (before.on_hand, before.reserved) == (8, 0)
    with shop.uow() as uow:
        assert uow.stock_holds.of_sku("tea", limit=10) == []
        with pytest.raises(IllegalTransition):
            release_order_stock(uow, order, at=shop.clock.now())
