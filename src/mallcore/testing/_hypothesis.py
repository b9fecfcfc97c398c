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
from mallcore.loyalty import (
    AccountPolicy,
    EarningPolicy,
    ExpiryPolicy,
    Membership,
    PointsAccount,
    Purchase,
    RedemptionPolicy,
    TierProgram,
)
from mallcore.money import Money
from mallcore.orders import Order, OrderLine
from mallcore.pricing import Cart, CartLine, Customer
from mallcore.rules import QuoteDocument
from mallcore.shipping import FreightTemplate, Rate, Shipment, ShipmentLine, ShippingSetup

__all__ = ["register_types"]


def register_types() -> None:
    """Make ``st.from_type(T)`` draw from mallcore's own strategy for each domain type ``T``."""
    from mallcore.testing import strategies

    st.register_type_strategy(Money, strategies.amounts())
    st.register_type_strategy(Cart, strategies.carts())
    st.register_type_strategy(CartLine, strategies.cart_lines())
    st.register_type_strategy(Customer, strategies.customers())
    st.register_type_strategy(QuoteDocument, strategies.quote_documents())
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
    st.register_type_strategy(AccountPolicy, strategies.account_policies())
    st.register_type_strategy(EarningPolicy, strategies.earning_policies())
    st.register_type_strategy(ExpiryPolicy, strategies.expiry_policies())
    st.register_type_strategy(Membership, strategies.memberships())
    st.register_type_strategy(PointsAccount, strategies.points_accounts())
    st.register_type_strategy(Purchase, strategies.purchases())
    st.register_type_strategy(RedemptionPolicy, strategies.redemption_policies())
    st.register_type_strategy(TierProgram, strategies.tier_programs())
    st.register_type_strategy(FreightTemplate, strategies.freight_templates())
    st.register_type_strategy(Rate, strategies.rates())
    st.register_type_strategy(Shipment, strategies.shipments())
    st.register_type_strategy(ShipmentLine, strategies.shipment_lines())
    st.register_type_strategy(ShippingSetup, strategies.shipping_setups())
