"""Shipping: regions, freight templates, merge policies, shipping methods, freight offers.

See docs/shipping.md for the rules and worked examples. The entry point is
:func:`quote_freight`::

    quote_freight(shipment, setup, *, method=None, tier=None, vouchers=(),
                  carriers=()) -> FreightQuote

- :class:`Shipment` of :class:`ShipmentLine` (quantity, unit weight in kg,
  unit volume in m³, template or flat postage, amount after discounts) to a
  destination given with its ancestors (:func:`lineage` over a
  :class:`Regions` hierarchy: :class:`ChinaDivisions`, :class:`Iso3166`,
  :class:`RegionTable`);
- :class:`ShippingSetup`: :class:`FreightTemplate` s (a :class:`Rate` per
  region, undeliverable regions, :class:`FreeCondition` s) merged by a
  :class:`MergePolicy`, :class:`Zone` s and :class:`ShippingMethod` s,
  :class:`FreeShippingOver`, :class:`RemoteSurcharge`, tier
  :class:`FreightBenefit` s;
- any :class:`FreightCalculator` (a host's live carrier rate) besides.

The :class:`FreightQuote` holds the option chosen, every option offered,
the amount, its :class:`LineFreight` share per line, the undeliverable lines
and a :class:`FreightNote` per step. Shipping never imports pricing: pricing
reads shipping.

>>> from mallcore.money import Money
>>> piece = Rate(first=1, first_fee=Money("8", "CNY"), step=1, step_fee=Money("3", "CNY"))
>>> by_piece = FreightTemplate(id="A", charge_by=ChargeBy.PIECE, default=piece)
>>> setup = ShippingSetup(templates=[by_piece])
>>> line = ShipmentLine(line_id="1", sku_id="tea", product_id="tea", quantity=4,
...                     amount=Money("40", "CNY"), template_id="A")
>>> quote_freight(setup.shipment("110101", currency="CNY", lines=[line]), setup).amount
Money('17.00', 'CNY')
"""

from mallcore.shipping.calculator import TemplateCalculator
from mallcore.shipping.freight import (
    DeliveryEstimate,
    FreightCalculator,
    FreightNote,
    FreightOption,
    FreightQuote,
    LineFreight,
    Topic,
    Undeliverable,
)
from mallcore.shipping.merge import Load, MergePolicy, merge
from mallcore.shipping.methods import MethodCalculator, ShippingMethod, Zone
from mallcore.shipping.offers import (
    BenefitKind,
    FreeShippingOver,
    FreightBenefit,
    FreightVoucher,
    RemoteSurcharge,
)
from mallcore.shipping.quote import ShippingSetup, quote_freight
from mallcore.shipping.regions import (
    ChinaDivisions,
    Iso3166,
    RegionHierarchy,
    Regions,
    RegionTable,
    lineage,
)
from mallcore.shipping.shipment import Shipment, ShipmentLine
from mallcore.shipping.templates import (
    AmountBase,
    ChargeBy,
    FreeCondition,
    FreightTemplate,
    Match,
    Rate,
    RegionRate,
)

__all__ = [
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
