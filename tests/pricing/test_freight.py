"""Freight on the cart quote: goods, discounts, freight, shipping coupon and amount due."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.catalog import Product
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.pricing import (
    AmountOffCoupon,
    Cart,
    CartLine,
    Customer,
    Quote,
    ShippingCoupon,
    Status,
    quote,
)
from mallcore.pricing.from_catalog import cart_line
from mallcore.quote_report import quote_main
from mallcore.rules import load_quote_document
from mallcore.serialization import structure, unstructure
from mallcore.shipping import (
    BenefitKind,
    ChargeBy,
    FreeCondition,
    FreightBenefit,
    FreightTemplate,
    Rate,
    ShippingSetup,
)
from mallcore.testing.strategies import products

NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)
SAMPLE = Path(__file__).parent / "data" / "freight.json"


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


BY_PIECE = FreightTemplate(
    id="A",
    charge_by=ChargeBy.PIECE,
    default=Rate(first=1, first_fee=cny(8), step=1, step_fee=cny(3)),
    free_conditions=[FreeCondition(min_amount=cny(99))],
)
SETUP = ShippingSetup(
    templates=[BY_PIECE],
    default_template="A",
    tier_benefits={"gold": FreightBenefit(id="gold-free", kind=BenefitKind.WAIVE)},
)


def _cart(price: str = "50", quantity: int = 2) -> Cart:
    return Cart(
        currency="CNY",
        lines=[
            CartLine(
                line_id="1", sku_id="tea", product_id="tea", quantity=quantity,
                list_price=cny(price), weight=Decimal("0.25"),
            )
        ],
    )  # fmt: skip


def test_without_a_shipping_set_up_the_quote_has_no_freight() -> None:
    priced = quote(_cart(), now=NOW)

    assert priced.freight is None
    assert priced.amount_due() == priced.payable


def test_the_quote_carries_the_freight_and_the_amount_due() -> None:
    priced = quote(_cart("30"), now=NOW, shipping=SETUP, destination="110101")

    assert priced.freight is not None
    assert priced.freight.amount == cny(11)
    assert priced.amount_due() == cny(71)


def test_the_destination_defaults_to_the_customers_region() -> None:
    customer = Customer(id="li-lei", region="310115")

    priced = quote(_cart("30"), now=NOW, customer=customer, shipping=SETUP)

    assert priced.freight is not None
    assert priced.freight.amount == cny(11)


def test_freight_without_a_destination_is_refused() -> None:
    with pytest.raises(InvalidValue, match="destination"):
        quote(_cart(), now=NOW, shipping=SETUP)


def test_free_shipping_is_measured_on_the_goods_after_discounts() -> None:
    coupon = AmountOffCoupon(id="off-10", amount_off=cny(10))

    full = quote(_cart("50"), now=NOW, shipping=SETUP, destination="110101")
    discounted = quote(_cart("50"), coupons=[coupon], now=NOW, shipping=SETUP, destination="110101")

    assert full.freight is not None
    assert full.freight.amount == cny(0)
    assert discounted.freight is not None
    assert discounted.freight.amount == cny(11)


def test_the_shipping_coupon_is_applied_to_the_freight_and_explained() -> None:
    wallet = [
        ShippingCoupon(id="freight-5", amount_off=cny(5)),
        ShippingCoupon(id="freight-3", amount_off=cny(3)),
    ]

    priced = quote(_cart("30"), coupons=wallet, now=NOW, shipping=SETUP, destination="110101")

    assert priced.freight is not None
    assert (priced.freight.voucher_id, priced.freight.amount) == ("freight-5", cny(6))
    assert priced.outcome("freight-5").status is Status.APPLIED
    assert priced.outcome("freight-5").amount == cny(5)
    assert priced.outcome("freight-3").status is Status.NOT_CHOSEN
    assert priced.amount_due() == cny(66)


def test_a_shipping_coupon_on_free_freight_saves_nothing() -> None:
    priced = quote(
        _cart("30"),
        coupons=[ShippingCoupon(id="freight-5", amount_off=cny(5))],
        customer=Customer(id="vip", tier="gold", region="110101"),
        now=NOW,
        shipping=SETUP,
    )

    assert priced.freight is not None
    assert priced.freight.amount == cny(0)
    assert priced.outcome("freight-5").status is Status.NO_SAVING


def test_a_quote_with_freight_round_trips_through_the_converter() -> None:
    priced = quote(_cart("30"), now=NOW, shipping=SETUP, destination="110101")

    assert structure(unstructure(priced), Quote) == priced


@settings(max_examples=25)
@given(products(max_dimensions=1), st.data())
def test_a_line_from_a_catalog_sku_carries_its_weight_and_volume(
    product: Product, data: st.DataObject
) -> None:
    sku = data.draw(st.sampled_from(product.skus))

    line = cart_line(product, sku, quantity=1, freight_template="by-weight")

    assert (line.weight, line.volume, line.freight_template) == (
        sku.weight,
        sku.volume,
        "by-weight",
    )


def test_the_freight_rule_file_prices_goods_and_freight_together() -> None:
    # tests/pricing/data/freight.json, the example of docs/rules-format.md
    priced = load_quote_document(SAMPLE.read_text(encoding="utf-8")).price()

    assert priced.payable == cny("139.90")
    assert priced.freight is not None
    assert (priced.freight.charged, priced.freight.amount) == (cny(24), cny(19))
    assert priced.amount_due() == cny("158.90")
    assert [share.amount for share in priced.freight.lines] == [cny("7.21"), cny("11.79"), cny(0)]


def test_mallcore_quote_shows_the_freight_and_why() -> None:
    out = io.StringIO()

    status = quote_main(str(SAMPLE), out=out)

    text = out.getvalue()
    assert status == 0
    assert (
        "Freight:                19.00  (charged 24.00 by standard 快递; coupon freight-5)" in text
    )
    assert "region rule 440000: first 1 for 10.00, +1 for 4.00" in text
    assert "not met: 2 of 5 items" in text
    assert "free_over       free-299             spend 159.10 more" in text


def test_a_rule_file_sent_to_an_undelivered_region_lists_the_lines_it_refuses() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["destination"] = "540102"

    priced = load_quote_document(json.dumps(data)).price()

    assert priced.freight is not None
    assert [item.line_id for item in priced.freight.undeliverable] == ["1"]
    assert priced.freight.undeliverable[0].region == "540000"
