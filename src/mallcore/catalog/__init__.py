"""The catalog: products (SPU) and their SKU matrix, categories, listing and stock.

See docs/catalog.md for the rules. The main names:

- :class:`Product`, :class:`Sku`, :class:`SpecDimension`: the product, its
  spec dimensions and the SKU matrix, validated when built.
- :class:`CategoryTree`, :class:`Category`, :class:`Attribute`: the category
  tree, its attribute sets, ``ancestors``/``descendants``.
- :class:`Listing`, :class:`ListingStatus`: 上架 / 下架 / 删除 and the window.
- :class:`Stock`, :class:`StockHold`, :class:`StockPolicy`: holds, deduction, expiry.
"""

from mallcore.catalog.category import Attribute, Category, CategoryTree
from mallcore.catalog.listing import LISTING_TRANSITIONS, Listing, ListingStatus
from mallcore.catalog.product import (
    MAX_COMBINATIONS,
    MAX_DIMENSIONS,
    Product,
    Sku,
    SpecCombination,
    SpecDimension,
    is_valid_gtin,
)
from mallcore.catalog.stock import (
    DEFAULT_HOLD,
    ReservationExpired,
    Stock,
    StockCounted,
    StockDeducted,
    StockEvent,
    StockHold,
    StockMovement,
    StockPolicy,
    StockReleased,
    StockReserved,
    StockRestocked,
)

__all__ = [
    "Attribute",
    "Category",
    "CategoryTree",
    "DEFAULT_HOLD",
    "LISTING_TRANSITIONS",
    "Listing",
    "ListingStatus",
    "MAX_COMBINATIONS",
    "MAX_DIMENSIONS",
    "Product",
    "ReservationExpired",
    "Sku",
    "SpecCombination",
    "SpecDimension",
    "Stock",
    "StockCounted",
    "StockDeducted",
    "StockEvent",
    "StockHold",
    "StockMovement",
    "StockPolicy",
    "StockReleased",
    "StockReserved",
    "StockRestocked",
    "is_valid_gtin",
]
