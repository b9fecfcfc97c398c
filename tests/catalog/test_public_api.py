"""The public surface of mallcore.catalog: pinned, documented, importable without test tools."""

from __future__ import annotations

import subprocess
import sys

import mallcore.catalog


def test_the_package_exports_exactly_its_chosen_names() -> None:
    assert mallcore.catalog.__all__ == [
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


def test_importing_the_catalog_imports_no_test_tools() -> None:
    code = (
        "import sys, mallcore.catalog; print(sorted({'hypothesis', 'pytest'} & set(sys.modules)))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
