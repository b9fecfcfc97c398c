"""The public surface of mallcore.catalog: pinned, documented, importable without test tools."""

from __future__ import annotations

import inspect
import subprocess
import sys

import mallcore.catalog


def test_the_package_exports_exactly_its_chosen_names() -> None:
    assert mallcore.catalog.__all__ == [
        "Attribute",
        "Category",
        "CategoryTree",
        "DEFAULT_HOLD",
        "Deduction",
        "LISTING_TRANSITIONS",
        "Listing",
        "ListingStatus",
        "MAX_COMBINATIONS",
        "MAX_DIMENSIONS",
        "Product",
        "Reservation",
        "ReservationExpired",
        "Sku",
        "SpecCombination",
        "SpecDimension",
        "Stock",
        "StockCounted",
        "StockDeducted",
        "StockEvent",
        "StockPolicy",
        "StockReleased",
        "StockReserved",
        "StockRestocked",
        "is_valid_gtin",
    ]


def test_every_exported_class_and_function_and_public_method_has_a_docstring() -> None:
    undocumented = []
    for name in mallcore.catalog.__all__:
        value = getattr(mallcore.catalog, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if not inspect.getdoc(value):
            undocumented.append(name)
        members = vars(value).items() if inspect.isclass(value) else ()
        for member, attribute in members:
            if member.startswith("_") or not callable(getattr(value, member)):
                continue
            if not inspect.getdoc(
                attribute.__func__ if hasattr(attribute, "__func__") else attribute
            ):
                undocumented.append(f"{name}.{member}")

    assert undocumented == []


def test_importing_the_catalog_imports_no_test_tools() -> None:
    code = (
        "import sys, mallcore.catalog; print(sorted({'hypothesis', 'pytest'} & set(sys.modules)))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
