"""Hypothesis strategies for mallcore's domain types.

House style follows Hypothesis: plural nouns, ``min_value``/``max_value`` and
``min_size``/``max_size``, defaults that generate every valid value. Types are
also registered with ``st.from_type`` through the ``hypothesis`` entry point.
"""

from mallcore.testing.strategies._catalog import (
    aware_datetimes,
    barcodes,
    categories,
    category_attributes,
    category_trees,
    listings,
    products,
    skus,
    spec_dimensions,
    stock_holds,
    stock_levels,
    stock_movements,
    stocks_with_holds,
)
from mallcore.testing.strategies._coupons import (
    coupon_codes,
    coupon_instances,
    coupon_templates,
    coupon_wallets,
    issue_limits,
    use_limits,
    validities,
)
from mallcore.testing.strategies._ids import bad_ids, ids
from mallcore.testing.strategies._limits import input_limits
from mallcore.testing.strategies._loyalty import (
    account_policies,
    benefits,
    earning_policies,
    expiry_policies,
    memberships,
    points_accounts,
    purchases,
    redemption_policies,
    tier_programs,
)
from mallcore.testing.strategies._money import amounts, currencies
from mallcore.testing.strategies._orders import order_lines, orders, refund_requests
from mallcore.testing.strategies._pricing import (
    cart_lines,
    carts,
    coupons,
    customers,
    promotions,
    quote_documents,
    wallets,
)
from mallcore.testing.strategies._reconciliation import recorded_movements, statement_entries
from mallcore.testing.strategies._shipping import (
    division_codes,
    freight_templates,
    rates,
    shipment_lines,
    shipments,
    shipping_setups,
)

__all__ = [
    "account_policies",
    "amounts",
    "aware_datetimes",
    "bad_ids",
    "barcodes",
    "benefits",
    "cart_lines",
    "carts",
    "categories",
    "category_attributes",
    "category_trees",
    "coupon_codes",
    "coupon_instances",
    "coupon_templates",
    "coupon_wallets",
    "coupons",
    "currencies",
    "customers",
    "division_codes",
    "earning_policies",
    "expiry_policies",
    "freight_templates",
    "ids",
    "input_limits",
    "issue_limits",
    "listings",
    "memberships",
    "order_lines",
    "orders",
    "points_accounts",
    "products",
    "promotions",
    "purchases",
    "quote_documents",
    "rates",
    "recorded_movements",
    "redemption_policies",
    "refund_requests",
    "shipment_lines",
    "shipments",
    "shipping_setups",
    "skus",
    "spec_dimensions",
    "statement_entries",
    "stock_holds",
    "stock_levels",
    "stock_movements",
    "stocks_with_holds",
    "tier_programs",
    "use_limits",
    "validities",
    "wallets",
]
