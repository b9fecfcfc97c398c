"""Cart lines built from catalog SKUs."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.catalog import Category, CategoryTree, Product
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.pricing import AmountOffCoupon, Cart, Scope, Status, quote
from mallcore.pricing.from_catalog import cart_line
from mallcore.testing.strategies import products
from mallcore.testing.strategies._pricing import PRICING_EPOCH


@settings(max_examples=25)
@given(products(max_dimensions=2), st.integers(1, 9), st.data())
def test_a_line_from_a_sku_keeps_its_ids_and_prices(
    product: Product, quantity: int, data: st.DataObject
) -> None:
    sku = data.draw(st.sampled_from(product.skus))

    line = cart_line(product, sku, quantity=quantity)

    assert (line.sku_id, line.product_id, line.quantity) == (sku.id, product.id, quantity)
    assert (line.list_price, line.price) == (sku.list_price, sku.sale_price)
    assert line.category_ids == {product.category_id}


@settings(max_examples=25)
@given(products(max_dimensions=2))
def test_a_coupon_for_a_parent_category_covers_a_sku_filed_below_it(product: Product) -> None:
    tree = CategoryTree(
        [
            Category("tea", "Tea"),
            Category(product.category_id, "Green tea", parent_id="tea"),
        ]
    )
    sku = product.skus[0]
    cart = Cart(
        currency=sku.list_price.currency,
        lines=[cart_line(product, sku, quantity=1, categories=tree)],
    )
    coupon = AmountOffCoupon(
        id="tea-coupon",
        amount_off=Money.from_minor(1, cart.currency),
        scope=Scope(categories={"tea"}),
    )

    priced = quote(cart, coupons=[coupon], now=PRICING_EPOCH)

    # in scope: it applies, or saves nothing on a free SKU
    expected = Status.APPLIED if sku.sale_price.minor_units else Status.NO_SAVING
    assert priced.outcome("tea-coupon").status is expected


@settings(max_examples=25)
@given(products(max_dimensions=2), products(max_dimensions=2))
def test_a_sku_of_another_product_is_refused(product: Product, other: Product) -> None:
    stranger = attrs.evolve(other.skus[0], id="stranger-sku")

    with pytest.raises(InvalidValue, match="sku"):
        cart_line(product, stranger, quantity=1)
