"""The public surface of mallcore.shipping: pinned, documented, importable without test tools."""

from __future__ import annotations

import inspect
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


def test_every_exported_class_and_function_and_public_method_has_a_docstring() -> None:
    undocumented = []
    for name in mallcore.shipping.__all__:
        value = getattr(mallcore.shipping, name)
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


def test_importing_shipping_imports_no_test_tools_and_not_pricing() -> None:
    code = (
        "import sys, mallcore.shipping; "
        "print(sorted({'hypothesis', 'pytest', 'mallcore.pricing'} & set(sys.modules)))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
