"""Strategies for shipping: region codes, rates, freight templates, shipments, set-ups."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import strategies as st

from mallcore.money import Money, currency_exponent
from mallcore.shipping import (
    AmountBase,
    BenefitKind,
    ChargeBy,
    ChinaDivisions,
    FreeCondition,
    FreeShippingOver,
    FreightBenefit,
    FreightTemplate,
    Match,
    MergePolicy,
    Rate,
    RegionRate,
    RemoteSurcharge,
    Shipment,
    ShipmentLine,
    ShippingSetup,
    lineage,
)

__all__ = [
    "DIVISION_CODES",
    "TEMPLATE_IDS",
    "division_codes",
    "freight_templates",
    "rates",
    "shipment_lines",
    "shipments",
    "shipping_setups",
]

DIVISION_CODES = (
    "110000",
    "110100",
    "110101",
    "110105",
    "310000",
    "310100",
    "310115",
    "440000",
    "440300",
    "440305",
    "650000",
    "650100",
    "650102",
    "540000",
    "540100",
)
"""A spread of China's division codes: provinces, cities and districts, remote ones too."""

TEMPLATE_IDS = ("A", "B", "C")
"""The ids of the templates :func:`shipping_setups` makes (lines name them)."""


@cache
def _money(currency: str, low: int, high: int) -> st.SearchStrategy[Money]:
    """Money between ``low`` and ``high`` major units, in whole minor units."""
    scale = 10 ** currency_exponent(currency)
    return st.integers(low * scale, high * scale).map(lambda n: Money.from_minor(n, currency))


@cache
def _measures(high: int) -> st.SearchStrategy[Decimal]:
    """Decimals from 0 to ``high`` with up to three places (grams of a kilogram)."""
    return st.integers(0, high * 1000).map(lambda n: Decimal(n).scaleb(-3))


def division_codes() -> st.SearchStrategy[str]:
    """China division codes of every level, from :data:`DIVISION_CODES`."""
    return st.sampled_from(DIVISION_CODES)


@st.composite
def rates(draw: st.DrawFn, currency: str = "CNY") -> Rate:
    """Rates: a first 0.5 to 5 units for up to 30, each further 0.5 to 2 units for up to 15."""
    return Rate(
        first=draw(st.sampled_from([Decimal("0.5"), Decimal(1), Decimal(2), Decimal(5)])),
        first_fee=draw(_money(currency, 0, 30)),
        step=draw(st.sampled_from([Decimal("0.5"), Decimal(1), Decimal(2)])),
        step_fee=draw(_money(currency, 0, 15)),
    )


_rates = cache(rates)
"""Strategies are reusable; building one per draw is what makes generation slow."""


@st.composite
def _free_conditions(draw: st.DrawFn, currency: str) -> FreeCondition:
    fields: dict[str, Any] = {
        "min_quantity": draw(st.none() | st.integers(1, 6)),
        "min_weight": draw(st.none() | _measures(10)),
        "min_amount": draw(st.none() | _money(currency, 0, 300)),
    }
    if all(value is None for value in fields.values()):
        fields["min_quantity"] = 3
    return FreeCondition(
        regions=draw(st.frozensets(division_codes(), max_size=2)),
        match=draw(st.sampled_from(Match)),
        amount_base=draw(st.sampled_from(AmountBase)),
        **fields,
    )


@st.composite
def freight_templates(
    draw: st.DrawFn,
    currency: str = "CNY",
    *,
    template_id: str = "A",
    free_conditions: bool = True,
    undeliverable: bool = True,
) -> FreightTemplate:
    """Templates of any kind with region rates, maybe undeliverable regions and free conditions.

    A weight template may count volumetric weight.
    """
    codes = draw(st.lists(division_codes(), unique=True, max_size=6))
    cut = draw(st.integers(0, len(codes)))
    overrides = [RegionRate(regions=[code], rate=draw(_rates(currency))) for code in codes[:cut]]
    refused = frozenset(codes[cut:]) if undeliverable else frozenset()
    conditions = draw(st.lists(_free_conditions(currency), max_size=2)) if free_conditions else []
    charge_by = draw(st.sampled_from(ChargeBy))
    divisors = st.none() | st.sampled_from([5000, 6000, 8000])
    return FreightTemplate(
        id=template_id,
        charge_by=charge_by,
        volumetric_divisor=draw(divisors) if charge_by is ChargeBy.WEIGHT else None,
        default=draw(_rates(currency)),
        region_rates=overrides,
        undeliverable=refused,
        free_conditions=conditions,
        min_chargeable=draw(st.none() | st.sampled_from([Decimal(1), Decimal("0.5")])),
    )


@st.composite
def shipment_lines(
    draw: st.DrawFn,
    currency: str = "CNY",
    *,
    line_id: str = "line-1",
    template_ids: tuple[str, ...] = TEMPLATE_IDS,
    flat_postage: bool = True,
) -> ShipmentLine:
    """A line of 1 to 5 units up to 5 kg and 0.05 m³ each, on a template or flat postage."""
    amount = draw(_money(currency, 0, 400))
    flat = draw(st.none() | _money(currency, 0, 20)) if flat_postage else None
    return ShipmentLine(
        line_id=line_id,
        sku_id=draw(st.sampled_from(["sku-1", "sku-2", "sku-3"])),
        product_id=draw(st.sampled_from(["p-1", "p-2"])),
        quantity=draw(st.integers(1, 5)),
        amount=amount,
        amount_before_discounts=amount + draw(_money(currency, 0, 50)),
        weight=draw(_measures(5)),
        volume=draw(st.integers(0, 50).map(lambda n: Decimal(n).scaleb(-3))),
        template_id=None if flat is not None else draw(st.sampled_from(template_ids)),
        flat_postage=flat,
    )


@st.composite
def shipments(
    draw: st.DrawFn,
    currency: str = "CNY",
    *,
    min_size: int = 1,
    max_size: int = 6,
    flat_postage: bool = True,
) -> Shipment:
    """Shipments of ``min_size`` to ``max_size`` lines to a China division code."""
    size = draw(st.integers(min_size, max_size))
    lines = [
        draw(shipment_lines(currency, line_id=f"line-{n}", flat_postage=flat_postage))
        for n in range(size)
    ]
    destination = lineage(ChinaDivisions(), draw(division_codes()))
    return Shipment(currency=currency, destination=destination, lines=lines)


@st.composite
def shipping_setups(
    draw: st.DrawFn, currency: str = "CNY", *, free_shipping: bool = True
) -> ShippingSetup:
    """Set-ups with templates A, B and C, a merge policy, surcharges and tier benefits.

    With ``free_shipping=False`` there is nothing that can make freight
    cheaper when the cart grows: no free conditions, no free shipping over
    an amount, no tier benefit with a threshold.
    """
    templates = [
        draw(freight_templates(currency, template_id=t, free_conditions=free_shipping))
        for t in TEMPLATE_IDS
    ]
    free_over = []
    if free_shipping and draw(st.booleans()):
        threshold = draw(_money(currency, 0, 500))
        free_over = [FreeShippingOver(id="free-99", threshold=threshold)]
    surcharges = []
    if draw(st.booleans()):
        surcharges = [
            RemoteSurcharge(
                id="remote", regions=["650000", "540000"], amount=draw(_money(currency, 1, 20))
            )
        ]
    kinds = [BenefitKind.WAIVE, BenefitKind.PERCENT_OFF]
    if free_shipping:
        kinds.append(BenefitKind.FREE_OVER)
    kind = draw(st.sampled_from(kinds))
    benefit = FreightBenefit(
        id="gold-freight",
        kind=kind,
        threshold=draw(_money(currency, 1, 200)) if kind is BenefitKind.FREE_OVER else None,
        percent_off=draw(st.integers(1, 100)) if kind is BenefitKind.PERCENT_OFF else None,
    )
    return ShippingSetup(
        templates=templates,
        merge_policy=draw(st.sampled_from(MergePolicy)),
        free_over=free_over,
        surcharges=surcharges,
        tier_benefits={"gold": benefit},
    )
