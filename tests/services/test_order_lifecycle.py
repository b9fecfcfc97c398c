"""The use cases on the in-memory adapters: place, pay, ship, deliver, confirm, time out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mallcore.errors import InvalidSignature, InvalidValue, OutOfStock
from mallcore.money import Money
from mallcore.orders import Order, OrderStatus, OrderStatusChanged
from mallcore.pricing import Tier, TieredAmountOff
from mallcore.services import PaymentOutcome
from tests.services.conftest import Shop

FULL_100 = TieredAmountOff(id="full-100", tiers=[Tier(Money("100", "CNY"), Money("10", "CNY"))])


def _place(shop: Shop, order_id: str = "O-1", items: dict[str, int] | None = None) -> Order:
    shop.configure(promotions=[FULL_100])
    return shop.place(items if items is not None else {"tea": 2, "cup": 1}, order_id)


def test_placing_an_order_prices_it_from_the_catalog_and_holds_its_stock(shop: Shop) -> None:
    order = _place(shop)

    assert order.payable == Money("140.00", "CNY")
    assert order.status is OrderStatus.AWAITING_PAYMENT
    assert (shop.stock("tea").available, shop.stock("cup").available) == (8, 0)
    assert shop.order() == order


def test_an_order_that_cannot_be_filled_holds_nothing_and_is_not_saved(shop: Shop) -> None:
    with pytest.raises(OutOfStock, match="'cup': 2 requested but only 1 available"):
        _place(shop, items={"tea": 2, "cup": 2})

    assert shop.stock("tea").available == 10
    with pytest.raises(LookupError):
        shop.order("O-1")


def test_a_payment_is_applied_once_however_often_it_is_notified(shop: Shop) -> None:
    _place(shop)
    body, headers = shop.payment()

    outcomes = [shop.notify(body, headers) for _ in range(3)]

    assert outcomes == [PaymentOutcome.PAID, *[PaymentOutcome.ALREADY_APPLIED] * 2]
    assert shop.order().status is OrderStatus.PAID
    assert (shop.stock("tea").on_hand, shop.stock("tea").available) == (8, 8)
    moves = [e for e in shop.published() if isinstance(e, OrderStatusChanged)]
    assert [m.target for m in moves] == [OrderStatus.PAID]


def test_a_notification_with_a_bad_signature_changes_nothing(shop: Shop) -> None:
    _place(shop)
    body, _ = shop.payment()

    with pytest.raises(InvalidSignature):
        shop.notify(body, {"X-Sim-Signature": "0" * 64})

    assert shop.order().status is OrderStatus.AWAITING_PAYMENT


def test_a_tampered_amount_fails_verification(shop: Shop) -> None:
    _place(shop)
    body, headers = shop.payment()

    with pytest.raises(InvalidSignature):
        shop.notify(body.replace(b"140.00", b"1.40"), headers)


def test_a_declined_payment_leaves_the_order_waiting(shop: Shop) -> None:
    _place(shop)
    shop.gateway.decline_above = Money("100", "CNY")

    assert shop.notify(*shop.payment()) is PaymentOutcome.DECLINED
    assert shop.order().status is OrderStatus.AWAITING_PAYMENT


def test_an_unpaid_order_is_cancelled_at_its_deadline_and_its_stock_comes_back(
    shop: Shop,
) -> None:
    _place(shop)
    shop.clock.advance(timedelta(minutes=29))

    assert shop.mall.cancel_overdue_orders().done == ()
    shop.clock.advance(timedelta(minutes=1))
    assert shop.mall.cancel_overdue_orders().done == ("O-1",)

    assert shop.order().status is OrderStatus.CANCELLED
    assert (shop.stock("tea").available, shop.stock("cup").available) == (10, 1)


def test_a_payment_arriving_after_the_order_was_cancelled_is_refunded_in_full(
    shop: Shop,
) -> None:
    _place(shop)
    body, headers = shop.payment()
    shop.clock.advance(timedelta(minutes=30))
    shop.mall.cancel_overdue_orders()

    outcome = shop.notify(body, headers)

    assert outcome is PaymentOutcome.REFUNDED
    assert [r.amount for r in shop.gateway.refunds()] == [Money("140.00", "CNY")]
    assert shop.order().status is OrderStatus.CANCELLED


def test_a_payment_after_the_hold_lapsed_and_the_units_were_sold_is_refunded(shop: Shop) -> None:
    _place(shop)
    body, headers = shop.payment()
    shop.clock.advance(timedelta(minutes=31))
    _place(shop, order_id="O-2", items={"cup": 1})

    outcome = shop.notify(body, headers)

    assert outcome is PaymentOutcome.REFUNDED
    assert shop.order().status is OrderStatus.CANCELLED
    assert shop.stock("tea").available == 10
    assert shop.stock("cup").available == 0


def test_an_order_ships_delivers_on_its_last_package_scan_and_completes(shop: Shop) -> None:
    _place(shop)
    shop.notify(*shop.payment())
    shop.ship(items={"tea": 2})
    shipped = shop.ship()
    first, last = (s.waybill for s in shipped.shipments)

    for scan in shop.courier.scans(first, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)
    assert shop.order().status is OrderStatus.SHIPPED
    shop.courier.duplicates = shop.courier.reverse = True
    for scan in shop.courier.scans(last, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)
    assert shop.order().status is OrderStatus.DELIVERED

    done = shop.mall.confirm_receipt("O-1")
    assert done.status is OrderStatus.COMPLETED


def test_a_shipped_order_nobody_confirms_completes_seven_days_after_its_last_package(
    shop: Shop,
) -> None:
    _place(shop)
    shop.notify(*shop.payment())
    shop.ship()
    shop.clock.advance(timedelta(days=7) - timedelta(seconds=1))

    assert shop.mall.complete_due_orders().done == ()
    shop.clock.advance(timedelta(seconds=1))
    assert shop.mall.complete_due_orders().done == ("O-1",)


def test_an_unknown_sku_in_the_cart_is_refused_by_name(shop: Shop) -> None:
    with pytest.raises(LookupError, match="no SKU 'teapot'"):
        _place(shop, items={"teapot": 1})


def test_an_empty_cart_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidValue, match="items: must name at least one SKU"):
        _place(shop, items={})
