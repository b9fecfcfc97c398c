"""Registers mallcore's types with Hypothesis (the ``hypothesis`` entry point)."""

from __future__ import annotations

from hypothesis import strategies as st

from mallcore.catalog import (
    Attribute,
    Category,
    CategoryTree,
    Listing,
    Product,
    Reservation,
    Sku,
    SpecDimension,
    Stock,
)
from mallcore.money import Money
from mallcore.orders import Order, OrderLine
from mallcore.pricing import Cart, CartLine, Customer

__all__ = ["register_types"]


def register_types() -> None:
    """Make ``st.from_type(T)`` draw from mallcore's own strategy for each domain type ``T``."""
    from mallcore.testing import strategies

    st.register_type_strategy(Money, strategies.amounts())
    st.register_type_strategy(Cart, strategies.carts())
    st.register_type_strategy(CartLine, strategies.cart_lines())
    st.register_type_strategy(Customer, strategies.customers())
    st.register_type_strategy(Attribute, strategies.category_attributes())
    st.register_type_strategy(Category, strategies.categories())
    st.register_type_strategy(CategoryTree, strategies.category_trees())
    st.register_type_strategy(Listing, strategies.listings())
    st.register_type_strategy(Order, strategies.orders())
    st.register_type_strategy(OrderLine, strategies.order_lines())
    st.register_type_strategy(Product, strategies.products())
    st.register_type_strategy(Reservation, strategies.reservations())
    st.register_type_strategy(Sku, strategies.skus())
    st.register_type_strategy(SpecDimension, strategies.spec_dimensions())
    st.register_type_strategy(Stock, strategies.stock_levels())
