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
    reservations,
    skus,
    spec_dimensions,
    stock_levels,
)
from mallcore.testing.strategies._money import amounts, currencies
from mallcore.testing.strategies._orders import order_lines, orders
from mallcore.testing.strategies._pricing import (
    cart_lines,
    carts,
    coupons,
    customers,
    promotions,
    wallets,
)

__all__ = [
    "amounts",
    "aware_datetimes",
    "barcodes",
    "cart_lines",
    "carts",
    "categories",
    "category_attributes",
    "category_trees",
    "coupons",
    "currencies",
    "customers",
    "listings",
    "order_lines",
    "orders",
    "products",
    "promotions",
    "reservations",
    "skus",
    "spec_dimensions",
    "stock_levels",
    "wallets",
]
