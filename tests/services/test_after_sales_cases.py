"""After-sales cases (售后单) through the Mall: request, decide, return, refund, time out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta

import attrs
import pytest
from dateutil import tz

from mallcore.catalog import Listing, ListingStatus, Product, Sku, SpecDimension
from mallcore.errors import (
    IllegalTransition,
    InvalidValue,
    OutOfStock,
    RefundRefused,
    Unavailable,
)
from mallcore.loyalty import EarningPolicy
from mallcore.merchant import Settings
from mallcore.money import Money
from mallcore.orders import CaseKind, CaseStatus, OrderSettled, OrderStatus, ReturnFreightOwed
from mallcore.shipping import ShippingMethod, ShippingSetup, Zone
from tests.services.conftest import Shop, on_sale

TIN = Money("60.00", "CNY")
DELIVERY = ShippingSetup(
    zones=[Zone(id="zhejiang", regions=["330000"])],
    methods=[ShippingMethod(id="standard", zones=["zhejiang"], price=Money("8.00", "CNY"))],
)


def _delivered(shop: Shop) -> None:
    shop.place({"tea": 2})
    shop.notify(*shop.payment())
    shipped = shop.ship()
    for scan in shop.courier.scans(shipped.shipments[0].waybill, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)


def _return_one(shop: Shop, case_id: str = "AS-1") -> None:
    shop.mall.request_after_sales(
        "O-1", case_id, kind=CaseKind.RETURN_AND_REFUND, units={"tea": 1}, reason="七天无理由"
    )


def test_a_return_goes_back_and_is_refunded_after_the_merchant_receives_it(shop: Shop) -> None:
    _delivered(shop)
    _return_one(shop)

    approved = shop.mall.approve_after_sales("AS-1", return_address="杭州 仓库")
    returning = shop.mall.send_back("AS-1", waybill="YT123")
    received = shop.mall.receive_return("AS-1", restock=True)

    assert [approved.status, returning.status, received.status] == [
        CaseStatus.APPROVED,
        CaseStatus.RETURNING,
        CaseStatus.REFUNDED,
    ]
    assert received.amount == TIN
    assert [(r.refund_id, r.amount) for r in shop.gateway.refunds()] == [("O-1-AS-1", TIN)]
    assert shop.stock("tea").on_hand == 9


def test_a_refund_only_case_before_shipping_is_refunded_on_approval(shop: Shop) -> None:
    shop.place({"tea": 2})
    shop.notify(*shop.payment())
    shop.mall.request_after_sales(
        "O-1", "AS-1", kind=CaseKind.REFUND_ONLY, units={"tea": 1}, reason="ordered one too many"
    )

    case = shop.mall.approve_after_sales("AS-1")

    assert case.status is CaseStatus.REFUNDED
    assert shop.order().refunded == TIN


def test_a_return_of_an_unshipped_order_is_refused_and_changes_nothing(shop: Shop) -> None:
    shop.place({"tea": 2})
    shop.notify(*shop.payment())
    before = shop.dump()

    with pytest.raises(IllegalTransition, match="from paid to returned"):
        _return_one(shop)

    assert shop.dump() == before


def test_receipt_cannot_be_confirmed_while_a_case_is_open(shop: Shop) -> None:
    _delivered(shop)
    _return_one(shop)

    with pytest.raises(IllegalTransition, match="while an after-sales case is open"):
        shop.mall.confirm_receipt("O-1")

    shop.clock.advance(timedelta(days=30))
    assert "O-1" not in shop.mall.complete_due_orders().done


def test_a_line_takes_five_requests_at_most(shop: Shop) -> None:
    _delivered(shop)
    for n in range(5):
        _return_one(shop, f"AS-{n}")
        shop.mall.reject_after_sales(f"AS-{n}", reason="no photo of the damage")

    with pytest.raises(InvalidValue, match="asked about 5 times"):
        _return_one(shop, "AS-5")


def test_units_in_an_open_case_cannot_be_asked_about_again(shop: Shop) -> None:
    _delivered(shop)
    shop.mall.request_after_sales(
        "O-1", "AS-1", kind=CaseKind.RETURN_AND_REFUND, units={"tea": 2}, reason="both dented"
    )

    with pytest.raises(InvalidValue, match="in an open case already"):
        _return_one(shop, "AS-2")


def test_the_timeouts_approve_close_and_refund_as_the_settings_say(shop: Shop) -> None:
    shop.configure(settings=Settings(return_address="杭州 仓库"))
    _delivered(shop)
    _return_one(shop, "AS-1")
    shop.clock.advance(timedelta(hours=48))

    assert shop.mall.handle_due_after_sales().done == ("AS-1",)
    assert shop.mall.after_sales_cases("O-1")[0].status is CaseStatus.APPROVED
    shop.clock.advance(timedelta(days=7))
    shop.mall.handle_due_after_sales()
    assert shop.mall.after_sales_cases("O-1")[0].status is CaseStatus.CLOSED

    _return_one(shop, "AS-2")
    shop.mall.approve_after_sales("AS-2", return_address="杭州 仓库")
    shop.mall.send_back("AS-2", waybill="YT9")
    shop.clock.advance(timedelta(days=10))
    shop.mall.handle_due_after_sales()
    assert shop.mall.after_sales_cases("O-1")[1].status is CaseStatus.REFUNDED
    assert shop.mall.handle_due_after_sales().done == ()


def test_a_case_asked_for_inside_the_window_is_refunded_after_the_window_closes(
    shop: Shop,
) -> None:
    _delivered(shop)
    shop.mall.confirm_receipt("O-1")
    until = shop.order().after_sales_until
    assert until is not None
    shop.clock.advance(until - shop.clock.now() - timedelta(hours=1))
    shop.mall.request_after_sales(
        "O-1", "AS-1", kind=CaseKind.REFUND_ONLY, units={"tea": 1}, reason="破损"
    )
    shop.clock.advance(timedelta(hours=48))

    report = shop.mall.handle_due_after_sales()

    assert (report.done, report.failed) == (("AS-1",), ())
    assert shop.mall.after_sales_cases("O-1")[0].status is CaseStatus.REFUNDED
    assert shop.order().refunded == TIN
    with pytest.raises(RefundRefused, match="after-sales window closed"):
        shop.mall.refund_order("O-1", "late", units={"tea": 1}, reason="too late")


def test_a_refund_the_gateway_cannot_make_stays_pending_and_the_job_retries_it(
    shop: Shop,
) -> None:
    _delivered(shop)
    _return_one(shop)
    shop.mall.approve_after_sales("AS-1", return_address="杭州 仓库")
    shop.mall.send_back("AS-1", waybill="YT123")
    shop.gateway.available = False

    with pytest.raises(Unavailable):
        shop.mall.receive_return("AS-1", restock=True)
    assert shop.mall.after_sales_cases("O-1")[0].status is CaseStatus.RETURNING

    shop.gateway.available = True
    shop.mall.receive_return("AS-1", restock=True)
    assert shop.mall.handle_due_after_sales().done == ()
    assert [r.amount for r in shop.gateway.refunds()] == [TIN]
    assert shop.order().status is OrderStatus.DELIVERED


def test_a_case_whose_units_were_refunded_otherwise_closes_when_it_comes_due(
    shop: Shop,
) -> None:
    shop.place({"tea": 1})
    shop.notify(*shop.payment())
    shop.mall.request_after_sales(
        "O-1", "AS-1", kind=CaseKind.REFUND_ONLY, units={"tea": 1}, reason="too slow"
    )
    shop.mall.request_cancellation("O-1", reason="too slow")
    shop.clock.advance(timedelta(hours=48))

    report = shop.mall.handle_due_after_sales()

    (case,) = shop.mall.after_sales_cases("O-1")
    assert (report.done, report.failed) == (("AS-1",), ())
    assert case.status is CaseStatus.CLOSED
    assert "no longer refunds" in case.decision
    assert [r.amount for r in shop.gateway.refunds()] == [TIN]


def _no_reason(shop: Shop, case_id: str = "NR-1") -> None:
    shop.mall.request_after_sales(
        "O-1",
        case_id,
        kind=CaseKind.RETURN_AND_REFUND,
        units={"tea": 1},
        reason="不想要了",
        no_reason=True,
    )


def test_a_no_reason_return_counts_seven_days_from_the_day_after_delivery(shop: Shop) -> None:
    _delivered(shop)
    delivered_at = shop.order().delivered_at
    assert delivered_at is not None
    local = delivered_at.astimezone(tz.gettz("Asia/Shanghai"))
    last_moment = datetime.combine(
        local.date() + timedelta(days=8), time(), tzinfo=local.tzinfo
    ) - timedelta(microseconds=1)
    shop.clock.advance(last_moment - shop.clock.now())

    _no_reason(shop)

    (case,) = shop.mall.after_sales_cases("O-1")
    assert (case.no_reason, case.return_freight_payer) == (True, "customer")
    shop.clock.advance(timedelta(microseconds=1))
    shop.mall.reject_after_sales("NR-1", reason="no photo")
    with pytest.raises(RefundRefused, match="7-day no-reason window closed"):
        _no_reason(shop, "NR-2")


def test_goods_excluded_from_no_reason_returns_refuse_one(shop: Shop) -> None:
    price = Money("20.00", "CNY")
    cake = Sku("cake", {}, price, price, stock=5)
    shop.mall.save_product(attrs.evolve(on_sale(cake), no_reason_returns=False), stock={"cake": 5})
    shop.place({"tea": 1, "cake": 1})
    shop.notify(*shop.payment())
    waybill = shop.ship().shipments[0].waybill
    for scan in shop.courier.scans(waybill, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)

    with pytest.raises(RefundRefused, match="takes no no-reason returns"):
        shop.mall.request_after_sales(
            "O-1",
            "NR-1",
            kind=CaseKind.RETURN_AND_REFUND,
            units={"cake": 1},
            reason="x",
            no_reason=True,
        )


# a lower amount the customer accepts ---------------------------------------------------

HALF = Money("30.00", "CNY")


def test_a_lower_amount_the_customer_accepts_is_what_the_refund_pays(shop: Shop) -> None:
    _delivered(shop)
    shop.mall.request_after_sales(
        "O-1", "AS-1", kind=CaseKind.REFUND_ONLY, units={"tea": 1}, reason="box dented"
    )

    offered = shop.mall.offer_after_sales("AS-1", HALF)
    assert (offered.status, offered.offer, shop.gateway.refunds()) == (
        CaseStatus.OFFERED,
        HALF,
        (),
    )
    accepted = shop.mall.accept_after_sales_offer("AS-1")

    assert (accepted.status, accepted.refund_amount) == (CaseStatus.REFUNDED, HALF)
    assert [r.amount for r in shop.gateway.refunds()] == [HALF]
    order = shop.order()
    assert order.refunded == HALF
    assert order.refunds[0].units[0].amounts == (HALF,)
    assert order.refundable_quantities() == {"tea": 1}


def test_a_return_at_a_lower_amount_is_refunded_that_amount_after_receipt(shop: Shop) -> None:
    _delivered(shop)
    _return_one(shop)

    shop.mall.offer_after_sales("AS-1", HALF, return_address="杭州 仓库")
    approved = shop.mall.accept_after_sales_offer("AS-1")
    shop.mall.send_back("AS-1", waybill="YT1")
    done = shop.mall.receive_return("AS-1", restock=True)

    assert (approved.status, approved.return_address) == (CaseStatus.APPROVED, "杭州 仓库")
    assert done.status is CaseStatus.REFUNDED
    assert [r.amount for r in shop.gateway.refunds()] == [HALF]


def test_an_amount_not_lower_than_the_refund_is_refused_and_changes_nothing(shop: Shop) -> None:
    _delivered(shop)
    _return_one(shop)
    before = shop.dump()

    for amount in (TIN, Money("60.01", "CNY"), Money("0.00", "CNY"), Money("1.00", "USD")):
        with pytest.raises(InvalidValue, match="amount"):
            shop.mall.offer_after_sales("AS-1", amount, return_address="杭州 仓库")
    with pytest.raises(InvalidValue, match="return_address"):
        shop.mall.offer_after_sales("AS-1", HALF)

    assert shop.dump() == before


def test_a_declined_offer_closes_the_case_and_the_customer_may_ask_again(shop: Shop) -> None:
    _delivered(shop)
    _return_one(shop)
    shop.mall.offer_after_sales("AS-1", HALF, return_address="杭州 仓库")

    closed = shop.mall.decline_after_sales_offer("AS-1", reason="too little")
    with pytest.raises(IllegalTransition):
        shop.mall.accept_after_sales_offer("AS-1")
    _return_one(shop, "AS-2")

    assert closed.status is CaseStatus.CLOSED
    assert "declined" in closed.decision
    assert [c.status for c in shop.mall.after_sales_cases("O-1")] == [
        CaseStatus.CLOSED,
        CaseStatus.REQUESTED,
    ]
    assert list(shop.gateway.refunds()) == []


def test_an_offer_unanswered_in_time_closes(shop: Shop) -> None:
    _delivered(shop)
    _return_one(shop)
    shop.mall.offer_after_sales("AS-1", HALF, return_address="杭州 仓库")
    shop.clock.advance(timedelta(days=7))

    assert shop.mall.handle_due_after_sales().done == ("AS-1",)
    assert shop.mall.after_sales_cases("O-1")[0].status is CaseStatus.CLOSED


# return freight as money ------------------------------------------------------------------

POSTAGE = Money("12.00", "CNY")


def _sent_back(shop: Shop, *, freight: Money | None, no_reason: bool = False) -> None:
    _delivered(shop)
    shop.mall.request_after_sales(
        "O-1",
        "AS-1",
        kind=CaseKind.RETURN_AND_REFUND,
        units={"tea": 1},
        reason="cracked" if not no_reason else "不想要了",
        no_reason=no_reason,
    )
    shop.mall.approve_after_sales("AS-1", return_address="杭州 仓库")
    shop.mall.send_back("AS-1", waybill="YT1", freight=freight)


def test_a_quality_return_pays_the_declared_postage_back_with_the_refund(shop: Shop) -> None:
    _sent_back(shop, freight=POSTAGE)

    case = shop.mall.receive_return("AS-1", restock=False)

    assert (case.return_freight_payer, case.return_freight) == ("merchant", POSTAGE)
    assert [r.amount for r in shop.gateway.refunds()] == [TIN + POSTAGE]
    (refund,) = shop.order().refunds
    assert (refund.goods, refund.return_freight) == (TIN, POSTAGE)


def test_the_merchant_caps_the_postage_it_pays_back(shop: Shop) -> None:
    shop.configure(settings=Settings(return_freight_cap=Money("10.00", "CNY")))
    _sent_back(shop, freight=POSTAGE)

    shop.mall.receive_return("AS-1", restock=False)

    assert [r.amount for r in shop.gateway.refunds()] == [Money("70.00", "CNY")]


def test_a_no_reason_returns_postage_is_the_customers(shop: Shop) -> None:
    _sent_back(shop, freight=POSTAGE, no_reason=True)

    case = shop.mall.receive_return("AS-1", restock=False)

    assert (case.return_freight_payer, case.return_freight) == ("customer", None)
    assert [r.amount for r in shop.gateway.refunds()] == [TIN]


def test_postage_the_payment_cannot_carry_is_reported_as_owed(shop: Shop) -> None:
    shop.place({"tea": 1})
    shop.notify(*shop.payment())
    shop.ship()
    _return_one(shop)
    shop.mall.approve_after_sales("AS-1", return_address="杭州 仓库")
    shop.mall.send_back("AS-1", waybill="YT1", freight=POSTAGE)

    shop.mall.receive_return("AS-1", restock=True)

    assert [r.amount for r in shop.gateway.refunds()] == [TIN]
    assert shop.order().refunded == shop.order().payable
    owed = [e for e in shop.published() if isinstance(e, ReturnFreightOwed)]
    assert [(e.case_id, e.amount) for e in owed] == [("AS-1", POSTAGE)]


def test_bad_postage_is_refused_and_changes_nothing(shop: Shop) -> None:
    _delivered(shop)
    _return_one(shop)
    shop.mall.approve_after_sales("AS-1", return_address="杭州 仓库")
    before = shop.dump()

    for freight in (Money("-1.00", "CNY"), Money("1.00", "USD")):
        with pytest.raises(InvalidValue, match="freight"):
            shop.mall.send_back("AS-1", waybill="YT1", freight=freight)

    assert shop.dump() == before


def test_the_order_freight_goes_back_only_with_the_last_unshipped_unit(shop: Shop) -> None:
    shop.configure(shipping=DELIVERY)
    shop.place({"tea": 2})
    shop.notify(*shop.payment())
    for case_id in ("AS-1", "AS-2"):
        shop.mall.request_after_sales(
            "O-1", case_id, kind=CaseKind.REFUND_ONLY, units={"tea": 1}, reason="changed my mind"
        )
        shop.mall.approve_after_sales(case_id)

    assert [r.amount for r in shop.gateway.refunds()] == [TIN, TIN + Money("8.00", "CNY")]
    assert shop.order().refunded == shop.order().payable


def test_the_order_freight_stays_once_the_goods_were_carried(shop: Shop) -> None:
    shop.configure(shipping=DELIVERY)
    _delivered(shop)
    shop.mall.request_after_sales(
        "O-1", "AS-1", kind=CaseKind.RETURN_AND_REFUND, units={"tea": 2}, reason="both cracked"
    )
    shop.mall.approve_after_sales("AS-1", return_address="杭州 仓库")
    shop.mall.send_back("AS-1", waybill="YT1")

    shop.mall.receive_return("AS-1", restock=True)

    assert [r.amount for r in shop.gateway.refunds()] == [TIN + TIN]


# settlement at the end of the after-sales window --------------------------------------------


def _completed(shop: Shop) -> None:
    _delivered(shop)
    shop.mall.confirm_receipt("O-1")


def test_an_order_is_settled_once_when_its_window_passes_with_no_open_case(shop: Shop) -> None:
    shop.configure(earning=EarningPolicy())
    _completed(shop)
    until = shop.order().after_sales_until
    assert until is not None
    shop.clock.advance(until - shop.clock.now())
    assert shop.mall.settle_due_orders().done == ()
    shop.clock.advance(timedelta(seconds=1))

    first, again = shop.mall.settle_due_orders(), shop.mall.settle_due_orders()

    assert (first.done, first.failed, again.done) == (("O-1",), (), ())
    assert shop.order().settled_at == shop.clock.now()
    assert shop.order().history[-1].what == "settled"
    settled = [e for e in shop.published() if isinstance(e, OrderSettled)]
    paid = Money("120.00", "CNY")
    assert [(e.paid, e.refunded, e.kept) for e in settled] == [(paid, Money.zero("CNY"), paid)]
    assert shop.mall.points_balance("alice") == shop.order().points_to_earn > 0


def test_an_order_with_an_open_case_is_settled_after_the_case(shop: Shop) -> None:
    _completed(shop)
    shop.clock.advance(timedelta(days=6))
    _return_one(shop)
    shop.clock.advance(timedelta(days=2))

    assert shop.mall.settle_due_orders().done == ()
    shop.mall.reject_after_sales("AS-1", reason="no photo")
    assert shop.mall.settle_due_orders().done == ("O-1",)


def test_settlement_from_two_workers_settles_each_order_once(shop: Shop) -> None:
    for order_id in ("O-1", "O-2", "O-3"):
        shop.place({"tea": 1}, order_id=order_id)
        shop.notify(*shop.payment(order_id))
        shop.ship(order_id)
        shop.mall.confirm_receipt(order_id)
    shop.clock.advance(timedelta(days=8))

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: shop.mall.settle_due_orders(), range(2)))

    assert sorted(i for r in reports for i in r.done) == ["O-1", "O-2", "O-3"]
    assert [r.failed for r in reports] == [(), ()]
    settled = [e.order_id for e in shop.published() if isinstance(e, OrderSettled)]
    assert sorted(settled) == ["O-1", "O-2", "O-3"]


# exchanges (换货) ------------------------------------------------------------------------

SIZE = SpecDimension("尺码", ("M", "L", "XL"))
SHIRT = Money("99.00", "CNY")


def _shirts(shop: Shop, *, stock: int = 2) -> None:
    """A shirt in M and L at 99.00 and XL at 109.00; alice's M delivered."""
    skus = [
        Sku("shirt-m", {"尺码": "M"}, SHIRT, SHIRT, stock=5),
        Sku("shirt-l", {"尺码": "L"}, SHIRT, SHIRT, stock=stock),
        Sku("shirt-xl", {"尺码": "XL"}, SHIRT, Money("109.00", "CNY"), stock=5),
    ]
    product = Product(
        "shirt", "shirt", "tea", [SIZE], skus, listing=Listing(ListingStatus.ON_SHELF)
    )
    shop.mall.save_product(product, stock={"shirt-m": 5, "shirt-l": stock, "shirt-xl": 5})
    shop.place({"shirt-m": 1})
    shop.notify(*shop.payment())
    waybill = shop.ship().shipments[0].waybill
    for scan in shop.courier.scans(waybill, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)


def _exchange(shop: Shop, case_id: str = "EX-1", sku: str = "shirt-l") -> None:
    shop.mall.request_after_sales(
        "O-1",
        case_id,
        kind=CaseKind.EXCHANGE,
        units={"shirt-m": 1},
        reason="too small",
        replacements={"shirt-m": sku},
    )


def test_an_exchange_holds_the_replacement_and_ships_it_as_a_new_package(shop: Shop) -> None:
    _shirts(shop)
    _exchange(shop)

    shop.mall.approve_after_sales("EX-1", return_address="杭州 仓库")
    assert (shop.stock("shirt-l").available, shop.stock("shirt-l").on_hand) == (1, 2)
    shop.mall.send_back("EX-1", waybill="YT1")
    received = shop.mall.receive_return("EX-1", restock=True)
    assert received.status is CaseStatus.RECEIVED
    done = shop.mall.ship_exchange("EX-1")

    assert (done.status, done.replacements) == (CaseStatus.EXCHANGED, (("shirt-m", "shirt-l"),))
    order = shop.order()
    assert [(p.exchange, p.waybill) for p in order.shipments][1] == (
        "EX-1",
        done.replacement_waybill,
    )
    assert order.status is OrderStatus.DELIVERED
    assert order.refunds == ()
    assert list(shop.gateway.refunds()) == []
    assert (shop.stock("shirt-l").available, shop.stock("shirt-l").on_hand) == (1, 1)
    assert shop.stock("shirt-m").on_hand == 5
    assert shop.mall.ship_exchange("EX-1") == done
    for scan in shop.courier.scans(done.replacement_waybill, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)
    shop.mall.confirm_receipt("O-1")
    assert shop.order().status is OrderStatus.COMPLETED


def test_an_exchange_not_sent_back_in_time_closes_and_releases_the_held_stock(
    shop: Shop,
) -> None:
    _shirts(shop)
    _exchange(shop, sku="shirt-m")
    shop.mall.approve_after_sales("EX-1", return_address="杭州 仓库")
    assert shop.stock("shirt-m").available == 3
    shop.clock.advance(timedelta(days=7))

    shop.mall.handle_due_after_sales()

    assert shop.mall.after_sales_cases("O-1")[0].status is CaseStatus.CLOSED
    assert shop.stock("shirt-m").available == 4


def test_an_exchange_for_another_product_or_price_is_refused_and_changes_nothing(
    shop: Shop,
) -> None:
    _shirts(shop)
    before = shop.dump()

    for sku, why in (("shirt-xl", "must sell at the 99.00"), ("tea", "is no SKU of product")):
        with pytest.raises(InvalidValue, match=why):
            _exchange(shop, sku=sku)
    with pytest.raises(InvalidValue, match="only an exchange"):
        shop.mall.request_after_sales(
            "O-1",
            "X",
            kind=CaseKind.RETURN_AND_REFUND,
            units={"shirt-m": 1},
            reason="r",
            replacements={"shirt-m": "shirt-l"},
        )

    assert shop.dump() == before


def test_an_exchange_out_of_stock_cannot_be_approved_and_an_offer_is_refused(
    shop: Shop,
) -> None:
    _shirts(shop, stock=0)
    _exchange(shop)
    before = shop.dump()

    with pytest.raises(OutOfStock):
        shop.mall.approve_after_sales("EX-1", return_address="杭州 仓库")
    with pytest.raises(InvalidValue, match="an exchange refunds nothing"):
        shop.mall.offer_after_sales("EX-1", Money("1.00", "CNY"), return_address="杭州 仓库")
    with pytest.raises(IllegalTransition):
        shop.mall.ship_exchange("EX-1")

    assert shop.dump() == before
