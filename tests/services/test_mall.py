"""The Mall as a host calls it: one clock read, bounded retries, named refusals, a full record."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from mallcore import Checkout, Mall
from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork
from mallcore.catalog import ListingStatus, Sku
from mallcore.errors import (
    Busy,
    DuplicateOrder,
    InvalidValue,
    OutOfStock,
    PriceChanged,
    StaleVersion,
    WrongType,
)
from mallcore.loyalty import Membership, Tier, TierProgram
from mallcore.merchant import GiftPolicy, Settings
from mallcore.money import Money
from mallcore.orders import ItemSnapshot, OrderStatus
from mallcore.pricing import Audience, FlashSale, Gift, UnitPrice
from mallcore.services import PaymentOutcome
from mallcore.shipping import ShippingMethod, ShippingSetup, Zone
from mallcore.testing.fakes import FakeClock
from tests.services.conftest import HOME, OPENING, Shop, on_sale, open_shop

TEAPOT = Sku("teapot", {}, Money("5.00", "CNY"), Money("5.00", "CNY"), stock=1)
"""A gift teapot, worth 5.00, one in stock."""
TEAPOT_GIFT = Gift(
    id="teapot-gift", gift_sku_id="teapot", gift_name="茶壶", gift_value=Money("5.00", "CNY")
)
ONE_YUAN_TEA = FlashSale(id="flash-tea", price=Money("1.00", "CNY"), allotment=1, per_customer=1)
"""¥1 tea, one unit for the whole shop, one per customer (秒杀)."""
DELIVERY = ShippingSetup(
    zones=[Zone(id="zhejiang", regions=["330000"])],
    methods=[
        ShippingMethod(id="standard", zones=["zhejiang"], price=Money("8.00", "CNY")),
        ShippingMethod(id="express", zones=["zhejiang"], price=Money("20.00", "CNY")),
    ],
)


# the three payment bugs of issue 11 --------------------------------------------------


def test_an_order_that_won_a_gift_holds_it_at_placing_and_can_be_paid(shop: Shop) -> None:
    shop.mall.save_product(on_sale(TEAPOT), stock={"teapot": 1})
    shop.configure(promotions=[TEAPOT_GIFT])

    order = shop.place({"tea": 1})
    held = shop.stock("teapot").available
    outcome = shop.notify(*shop.payment())

    assert [line.sku_id for line in order.lines if line.gift] == ["teapot"]
    assert held == 0
    assert outcome is PaymentOutcome.PAID
    assert shop.stock("teapot").on_hand == 0


def test_a_gift_that_ran_out_is_dropped_by_default(shop: Shop) -> None:
    shop.mall.save_product(on_sale(TEAPOT), stock={"teapot": 1})
    shop.configure(promotions=[TEAPOT_GIFT])
    shop.place({"tea": 1})

    second = shop.place({"tea": 1}, "O-2")

    assert [line.sku_id for line in second.lines] == ["tea"]


def test_a_gift_that_ran_out_refuses_the_order_when_the_merchant_says_so(shop: Shop) -> None:
    shop.mall.save_product(on_sale(TEAPOT), stock={"teapot": 1})
    shop.configure(promotions=[TEAPOT_GIFT], settings=Settings(gift_policy=GiftPolicy.REFUSE))
    shop.place({"tea": 1})
    before = shop.dump()

    with pytest.raises(OutOfStock, match="'teapot'"):
        shop.place({"tea": 1}, "O-2")

    assert shop.dump() == before


def test_a_gift_promotion_needs_its_sku_in_the_catalog(shop: Shop) -> None:
    with pytest.raises(InvalidValue, match=r"promotions\['teapot-gift'\].gift_sku_id"):
        shop.configure(promotions=[TEAPOT_GIFT])

    assert shop.mall.configuration().promotions == ()


# limits kept in storage ------------------------------------------------------------------


def test_a_flash_sale_sells_its_allotment_once_through_place_order(shop: Shop) -> None:
    shop.configure(promotions=[ONE_YUAN_TEA])

    first = shop.place({"tea": 1})
    second = shop.place({"tea": 1}, "O-2")
    third = shop.place({"tea": 1}, "O-3")

    assert [o.payable for o in (first, second, third)] == [
        Money("1.00", "CNY"),
        Money("60.00", "CNY"),
        Money("60.00", "CNY"),
    ]


def test_a_newcomer_price_serves_a_customers_first_order_only(shop: Shop) -> None:
    newcomers = UnitPrice(
        id="newcomer-tea", price=Money("9.90", "CNY"), audience=Audience(new_customers_only=True)
    )
    shop.configure(promotions=[newcomers])

    first = shop.place({"tea": 1})
    second = shop.place({"tea": 1}, "O-2")

    assert (first.payable, second.payable) == (Money("9.90", "CNY"), Money("60.00", "CNY"))


def test_a_cancelled_order_gives_its_flash_sale_unit_back(shop: Shop) -> None:
    shop.configure(promotions=[ONE_YUAN_TEA])
    shop.place({"tea": 1})

    shop.mall.cancel_order("O-1")

    assert shop.place({"tea": 1}, "O-2").payable == Money("1.00", "CNY")


def test_an_order_priced_otherwise_than_shown_raises_price_changed_and_places_nothing(
    shop: Shop,
) -> None:
    shop.configure(promotions=[ONE_YUAN_TEA])
    shown = shop.mall.price(shop.checkout({"tea": 1})).amount_due()
    shop.place({"tea": 1})
    before = shop.dump()

    with pytest.raises(PriceChanged, match=r"shown 1\.00 CNY, now 60\.00 CNY"):
        shop.mall.place_order("O-2", shop.checkout({"tea": 1}), shown=shown)

    assert shop.dump() == before


# ids, duplicates, retries, the clock --------------------------------------------------------


def test_a_duplicate_order_id_is_its_own_error_and_changes_nothing(shop: Shop) -> None:
    shop.place({"tea": 1})
    before = shop.dump()

    with pytest.raises(DuplicateOrder, match="order 'O-1' already exists"):
        shop.place({"tea": 2})

    assert shop.dump() == before


@pytest.mark.parametrize("order_id", ["", " O-1", "O\x00", "x" * 65])
def test_an_order_id_that_breaks_the_id_rule_is_refused(shop: Shop, order_id: str) -> None:
    with pytest.raises(InvalidValue, match="order_id"):
        shop.place({"tea": 1}, order_id)


def test_a_coupon_list_of_the_wrong_type_is_a_named_error() -> None:
    with pytest.raises(WrongType, match="coupons: must be a sequence of coupon ids, not str"):
        Checkout(customer_id="alice", items={"tea": 1}, coupons="TEN")


class _Clashing(InMemoryUnitOfWork):
    """A unit of work whose commit always loses a race."""

    def commit(self) -> None:
        raise StaleVersion("order", "O-1", 0, 1)


def _mall_over(shop: Shop, **ports: object) -> Mall:
    """A second Mall on ``shop``'s ports, some replaced."""
    wired: dict[str, object] = {
        "storage": shop.storage,
        "clock": shop.clock,
        "events": shop.events,
        "gateway": shop.gateway,
        "courier": shop.courier,
        "backoff": 0,
    }
    return Mall(**{**wired, **ports})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("retries", 0),
        ("retries", True),
        ("backoff", -0.5),
        ("backoff", 11),
        ("backoff", float("nan")),
        ("backoff", "0.1"),
    ],
)
def test_retry_settings_that_cannot_work_are_refused_by_name(
    shop: Shop, setting: str, value: object
) -> None:
    with pytest.raises(InvalidValue) as refused:
        _mall_over(shop, **{setting: value})

    assert refused.value.field == setting


def test_a_conflict_that_keeps_coming_back_is_retried_then_raises_busy() -> None:
    store = InMemoryStore()
    made: list[InMemoryUnitOfWork] = []

    def storage() -> InMemoryUnitOfWork:
        made.append(_Clashing(store))
        return made[-1]

    mall = _mall_over(open_shop(lambda: InMemoryUnitOfWork(store)), storage=storage, retries=3)

    with pytest.raises(Busy, match="register_member kept meeting concurrent changes after 3"):
        mall.register_member("alice")

    assert len(made) == 3


class _CountingClock(FakeClock):
    """A fake clock that counts how often it is read."""

    reads = 0

    def now(self) -> datetime:
        self.reads += 1
        return super().now()


def test_placing_starting_and_paying_an_order_read_the_clock_once_each() -> None:
    store = InMemoryStore()
    shop = open_shop(lambda: InMemoryUnitOfWork(store))
    clock = _CountingClock(OPENING)
    mall = _mall_over(shop, clock=clock)

    mall.place_order("O-1", shop.checkout({"tea": 1}))
    placing = clock.reads
    request = mall.start_payment("O-1")
    mall.handle_payment_notification(*shop.gateway.pay(request.reference, at=OPENING))

    assert (placing, clock.reads) == (1, 3)


# the order record and the queries --------------------------------------------------------


def test_an_order_keeps_its_consignee_items_method_and_configuration(shop: Shop) -> None:
    shop.configure(shipping=DELIVERY)

    order = shop.place({"tea": 2}, shipping_method="express")

    assert order.consignee == HOME
    assert order.lines[0].item == ItemSnapshot(product_id="tea", product_name="tea")
    assert order.shipping_method == "express"
    assert order.freight == Money("20.00", "CNY")
    assert order.configuration_version == shop.mall.configuration().version


def test_the_cheapest_offered_method_is_chosen_by_default(shop: Shop) -> None:
    shop.configure(shipping=DELIVERY)

    order = shop.place({"tea": 2})

    assert (order.shipping_method, order.freight) == ("standard", Money("8.00", "CNY"))


def test_a_product_shop_reaches_the_order_line(shop: Shop) -> None:
    sku = Sku("oolong", {}, Money("80.00", "CNY"), Money("80.00", "CNY"), stock=3)
    shop.mall.save_product(on_sale(sku, shop_id="shop-7"), stock={"oolong": 3})

    order = shop.place({"oolong": 1})

    assert order.lines[0].item is not None
    assert order.lines[0].item.shop_id == "shop-7"


def test_a_customers_orders_come_newest_first_a_page_at_a_time(shop: Shop) -> None:
    for number in range(1, 4):
        shop.place({"tea": 1}, f"O-{number}")
        shop.clock.advance(timedelta(minutes=1))

    pages = [shop.mall.orders_of("alice", limit=2, offset=offset) for offset in (0, 2)]

    assert [[o.id for o in page] for page in pages] == [["O-3", "O-2"], ["O-1"]]
    assert shop.mall.orders_of("bob") == []


def test_orders_are_listed_by_status(shop: Shop) -> None:
    shop.place({"tea": 1})
    shop.place({"tea": 1}, "O-2")
    shop.mall.cancel_order("O-1")

    cancelled = shop.mall.orders_with_status(OrderStatus.CANCELLED)
    waiting = shop.mall.orders_with_status(OrderStatus.AWAITING_PAYMENT)

    assert ([o.id for o in cancelled], [o.id for o in waiting]) == (["O-1"], ["O-2"])


def test_products_are_listed_by_category_and_listing_status(shop: Shop) -> None:
    listed = shop.mall.products_in("tea")
    off = shop.mall.products_in("tea", status=ListingStatus.OFF_SHELF)

    assert ([p.id for p in listed], off) == (["cup", "tea"], [])


def test_a_page_larger_than_the_limit_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidValue, match="limit"):
        shop.mall.orders_of("alice", limit=10_000)


def test_cancelling_an_unpaid_order_gives_its_stock_back(shop: Shop) -> None:
    shop.place({"tea": 3})

    cancelled = shop.mall.cancel_order("O-1")

    assert cancelled.status is OrderStatus.CANCELLED
    assert shop.stock("tea").available == 10


# members ------------------------------------------------------------------------------------

GOLD = TierProgram(tiers=[Tier(id="normal", threshold=0), Tier(id="gold", threshold=100)])


def test_completing_an_order_credits_growth_and_a_refund_takes_it_back(shop: Shop) -> None:
    shop.configure(tiers=GOLD, settings=Settings(after_sales_window=timedelta(0)))
    shop.mall.register_member("alice", birthday=date(1990, 11, 11))
    shop.place({"tea": 2})
    shop.notify(*shop.payment())
    shop.ship()

    shop.mall.confirm_receipt("O-1")
    grown = _membership(shop)
    shop.mall.refund_order("O-1", "RMA-1", {"tea": 1}, reason="质量问题")

    assert (grown.tier_id, grown.growth) == ("gold", 120)
    assert _membership(shop).growth == 60


def _membership(shop: Shop) -> Membership:
    with shop.uow() as uow:
        membership = uow.members.get("alice").membership
    assert membership is not None
    return membership


def test_registering_twice_keeps_the_first_registration(shop: Shop) -> None:
    first = shop.mall.register_member("alice", birthday=date(1990, 11, 11))
    shop.clock.advance(timedelta(days=1))

    again = shop.mall.register_member("alice")

    assert again == first
