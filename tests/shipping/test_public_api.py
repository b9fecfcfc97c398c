"""The public surface of mallcore.shipping: pinned, documented, importable without test tools."""

from __future__ import annotations

import subprocess
import sys

import mallcore.shipping


def test_the_package_exports_exactly_its_chosen_names() -> None:
    assert mallcore.shipping.__all__ == [
        "AmountBase",
        "BenefitKind",
        "ChargeBy",
        "ChinaDivisions",
        "DeliveryEstimate",
        "FreeCondition",
        "FreeShippingOver",
        "FreightBenefit",
        "FreightCalculator",
        "FreightNote",
        "FreightOption",
        "FreightQuote",
        "FreightTemplate",
        "FreightVoucher",
        "Iso3166",
        "LineFreight",
        "Load",
        "Match",
        "MergePolicy",
        "MethodCalculator",
        "Rate",
        "RegionHierarchy",
        "RegionRate",
        "RegionTable",
        "Regions",
        "RemoteSurcharge",
        "Shipment",
        "ShipmentLine",
        "ShippingMethod",
        "ShippingSetup",
        "TemplateCalculator",
        "Topic",
        "Undeliverable",
        "Zone",
        "lineage",
        "merge",
        "quote_freight",
    ]


def test_importing_shipping_imports_no_test_tools_and_not_pricing() -> None:
    code = (
        "import sys, mallcore.shipping; "
        "print(sorted({'hypothesis', 'pytest', 'mallcore.pricing'} & set(sys.modules)))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
