"""Every pricing value survives mallcore.serialization unchanged, one law per kind of value."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.pricing import KINDS, Cart, Coupon, Customer, Promotion, Quote, quote
from mallcore.rules import QuoteDocument
from mallcore.serialization import dumps, loads, structure, unstructure
from mallcore.testing.strategies import (
    carts,
    coupons,
    customers,
    promotions,
    quote_documents,
    wallets,
)
from mallcore.testing.strategies._pricing import PRICING_EPOCH


@given(st.data())
def test_a_promotion_round_trips_as_the_union_and_as_its_own_class(data: st.DataObject) -> None:
    promotion = data.draw(promotions(data.draw(st.sampled_from(["CNY", "JPY", "BHD"]))))

    assert structure(unstructure(promotion), Promotion) == promotion  # type: ignore[arg-type]
    assert loads(dumps(promotion), type(promotion)) == promotion


@given(coupons())
def test_a_coupon_round_trips_as_the_union_and_as_its_own_class(coupon: Coupon) -> None:
    assert structure(unstructure(coupon), Coupon) == coupon  # type: ignore[arg-type]
    assert loads(dumps(coupon), type(coupon)) == coupon


@given(st.one_of(promotions(), coupons()))
def test_a_single_rule_written_alone_keeps_its_kind_tag(rule: Promotion | Coupon) -> None:
    written = json.loads(dumps(rule))

    assert written["kind"] == KINDS[type(rule)]


@given(carts())
def test_a_cart_round_trips(cart: Cart) -> None:
    assert structure(unstructure(cart), Cart) == cart


@given(customers())
def test_a_customer_round_trips_with_its_usage_counts(customer: Customer) -> None:
    assert structure(unstructure(customer), Customer) == customer


@given(quote_documents())
def test_a_rule_file_round_trips(document: QuoteDocument) -> None:
    assert loads(dumps(document), QuoteDocument) == document


@settings(max_examples=50)
@given(st.data())
def test_a_quote_round_trips(data: st.DataObject) -> None:
    cart = data.draw(carts())
    rules = [data.draw(promotions(cart.currency, rule_id=f"promo-{n}")) for n in range(2)]
    priced = quote(
        cart, promotions=rules, coupons=data.draw(wallets(cart.currency)), now=PRICING_EPOCH
    )

    assert structure(unstructure(priced), Quote) == priced
