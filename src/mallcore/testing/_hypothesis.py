"""Registers mallcore's types with Hypothesis (the ``hypothesis`` entry point)."""

from __future__ import annotations

from hypothesis import strategies as st

from mallcore.catalog import (
    Attribute,
    Category,
    CategoryTree,
    Listing,
    Product,
    ReservationExpired,
    Sku,
    SpecDimension,
    Stock,
    StockCounted,
    StockDeducted,
    StockHold,
    StockMovement,
    StockReleased,
    StockReserved,
    StockRestocked,
)
from mallcore.coupons import (
    CouponInstance,
    CouponTemplate,
    IssueLimits,
    UseLimits,
    Validity,
    Wallet,
)
from mallcore.limits import InputLimits
from mallcore.loyalty import (
    AccountPolicy,
    Benefits,
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
from mallcore.reconciliation import RecordedMovement, StatementEntry
from mallcore.rules import QuoteDocument
from mallcore.shipping import FreightTemplate, Rate, Shipment, ShipmentLine, ShippingSetup

__all__ = ["TYPE_STRATEGIES", "register_types"]


TYPE_STRATEGIES: tuple[tuple[type, str], ...] = (
    (Money, "amounts"),
    (InputLimits, "input_limits"),
    (Cart, "carts"),
    (CartLine, "cart_lines"),
    (Customer, "customers"),
    (QuoteDocument, "quote_documents"),
    (Attribute, "category_attributes"),
    (Category, "categories"),
    (CategoryTree, "category_trees"),
    (Listing, "listings"),
    (Order, "orders"),
    (OrderLine, "order_lines"),
    (Product, "products"),
    (Sku, "skus"),
    (SpecDimension, "spec_dimensions"),
    (Stock, "stock_levels"),
    (StockHold, "stock_holds"),
    (StockReserved, "stock_reserved"),
    (StockReleased, "stock_released"),
    (ReservationExpired, "reservations_expired"),
    (StockDeducted, "stock_deducted"),
    (StockRestocked, "stock_restocked"),
    (StockCounted, "stock_counted"),
    (StockMovement, "stock_movements"),
    (AccountPolicy, "account_policies"),
    (Benefits, "benefits"),
    (EarningPolicy, "earning_policies"),
    (ExpiryPolicy, "expiry_policies"),
    (Membership, "memberships"),
    (PointsAccount, "points_accounts"),
    (Purchase, "purchases"),
    (RedemptionPolicy, "redemption_policies"),
    (TierProgram, "tier_programs"),
    (FreightTemplate, "freight_templates"),
    (Rate, "rates"),
    (Shipment, "shipments"),
    (ShipmentLine, "shipment_lines"),
    (ShippingSetup, "shipping_setups"),
    (CouponInstance, "coupon_instances"),
    (CouponTemplate, "coupon_templates"),
    (IssueLimits, "issue_limits"),
    (UseLimits, "use_limits"),
    (Validity, "validities"),
    (Wallet, "coupon_wallets"),
    (RecordedMovement, "recorded_movements"),
    (StatementEntry, "statement_entries"),
)
"""Each domain type and the name of its strategy in :mod:`mallcore.testing.strategies`."""


def _kit_strategy(name: str) -> st.SearchStrategy[object]:
    """The kit's strategy ``name``, built when first drawn from.

    Hypothesis runs :func:`register_types` while the strategies module itself
    may still be importing Hypothesis, so the module is read at draw time.
    """

    def build() -> st.SearchStrategy[object]:
        from mallcore.testing import strategies

        strategy: st.SearchStrategy[object] = getattr(strategies, name)()
        return strategy

    return st.deferred(build)


def register_types() -> None:
    """Make ``st.from_type(T)`` draw from mallcore's own strategy for each domain type ``T``."""
    for cls, name in TYPE_STRATEGIES:
        st.register_type_strategy(cls, _kit_strategy(name))
