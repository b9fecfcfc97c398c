"""Strategies for shipping: region codes, rates, freight templates, shipments, set-ups."""

from __future__ import annotations

from collections.abc import Sequence
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
    DeliveryEstimate,
    FreeCondition,
    FreeShippingOver,
    FreightBenefit,
    FreightNote,
    FreightOption,
    FreightQuote,
    FreightTemplate,
    FreightVoucher,
    Iso3166,
    LineFreight,
    Load,
    Match,
    MergePolicy,
    MethodCalculator,
    Rate,
    RegionRate,
    RegionTable,
    RemoteSurcharge,
    Shipment,
    ShipmentLine,
    ShippingMethod,
    ShippingSetup,
    TemplateCalculator,
    Undeliverable,
    Zone,
    lineage,
    quote_freight,
)
from mallcore.testing.strategies._parts import parts_of

__all__ = [
    "DIVISION_CODES",
    "TEMPLATE_IDS",
    "china_divisions",
    "delivery_estimates",
    "division_codes",
    "free_shipping_conditions",
    "free_shipping_overs",
    "freight_benefits",
    "freight_notes",
    "freight_options",
    "freight_quotes",
    "freight_templates",
    "freight_vouchers",
    "iso3166",
    "line_freights",
    "loads",
    "method_calculators",
    "rates",
    "region_rates",
    "region_tables",
    "remote_surcharges",
    "shipment_lines",
    "shipments",
    "shipping_methods",
    "shipping_setups",
    "template_calculators",
    "undeliverables",
    "zones",
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
def free_shipping_conditions(draw: st.DrawFn, currency: str = "CNY") -> FreeCondition:
    """包邮条件 on up to two regions: a quantity, a weight or an amount (at least one)."""
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
    overrides = [draw(region_rates(currency, regions=[code])) for code in codes[:cut]]
    refused = frozenset(codes[cut:]) if undeliverable else frozenset()
    conditions = (
        draw(st.lists(free_shipping_conditions(currency), max_size=2)) if free_conditions else []
    )
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


def free_shipping_overs(
    currency: str = "CNY", *, regional: bool = True
) -> st.SearchStrategy[FreeShippingOver]:
    """满额包邮 from 0 to 500 units; with ``regional``, some only in or outside some regions."""
    regions = st.frozensets(division_codes(), max_size=2) if regional else st.just(frozenset())
    return st.builds(
        FreeShippingOver,
        id=st.just("free-99"),
        threshold=_money(currency, 0, 500),
        regions=regions,
        excluded_regions=regions,
        amount_base=st.sampled_from(AmountBase)
        if regional
        else st.just(AmountBase.AFTER_DISCOUNTS),
    )


def remote_surcharges(currency: str = "CNY") -> st.SearchStrategy[RemoteSurcharge]:
    """偏远地区加价 of 1 to 20 units for Xinjiang and Tibet."""
    return st.builds(
        RemoteSurcharge,
        id=st.just("remote"),
        regions=st.just(frozenset({"650000", "540000"})),
        amount=_money(currency, 1, 20),
    )


@st.composite
def freight_benefits(
    draw: st.DrawFn, currency: str = "CNY", *, kinds: Sequence[BenefitKind] = tuple(BenefitKind)
) -> FreightBenefit:
    """A tier's freight benefit of one of ``kinds``: waived, free over 1 to 200, or a percentage."""
    kind = draw(st.sampled_from(kinds))
    return FreightBenefit(
        id="gold-freight",
        kind=kind,
        threshold=draw(_money(currency, 1, 200)) if kind is BenefitKind.FREE_OVER else None,
        percent_off=draw(st.integers(1, 100)) if kind is BenefitKind.PERCENT_OFF else None,
    )


def freight_vouchers(currency: str = "CNY") -> st.SearchStrategy[FreightVoucher]:
    """运费券 as freight sees it: 1 to 20 units off, or all of the freight."""
    return st.builds(
        FreightVoucher, id=st.just("coupon-ship"), amount_off=st.none() | _money(currency, 1, 20)
    )


def region_rates(
    currency: str = "CNY", *, regions: Sequence[str] | None = None
) -> st.SearchStrategy[RegionRate]:
    """A rate from :func:`rates` for ``regions`` (one to three division codes if None)."""
    codes = (
        st.just(frozenset(regions))
        if regions is not None
        else st.frozensets(division_codes(), min_size=1, max_size=3)
    )
    return st.builds(RegionRate, regions=codes, rate=_rates(currency))


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
        free_over = [draw(free_shipping_overs(currency, regional=False))]
    surcharges = [draw(remote_surcharges(currency))] if draw(st.booleans()) else []
    kinds = [BenefitKind.WAIVE, BenefitKind.PERCENT_OFF]
    if free_shipping:
        kinds.append(BenefitKind.FREE_OVER)
    benefit = draw(freight_benefits(currency, kinds=kinds))
    return ShippingSetup(
        templates=templates,
        merge_policy=draw(st.sampled_from(MergePolicy)),
        free_over=free_over,
        surcharges=surcharges,
        tier_benefits={"gold": benefit},
    )


@st.composite
def template_calculators(draw: st.DrawFn, currency: str = "CNY") -> TemplateCalculator:
    """Standard delivery by templates A, B and C, merged by any policy, a default or not."""
    return TemplateCalculator(
        templates=[draw(freight_templates(currency, template_id=t)) for t in TEMPLATE_IDS],
        policy=draw(st.sampled_from(MergePolicy)),
        default_template=draw(st.none() | st.sampled_from(TEMPLATE_IDS)),
    )


def delivery_estimates() -> st.SearchStrategy[DeliveryEstimate]:
    """Delivery in 0 to 5 days, up to 5 days more at the latest."""
    return st.builds(
        lambda low, more: DeliveryEstimate(min_days=low, max_days=low + more),
        st.integers(0, 5),
        st.integers(0, 5),
    )


_ZONE_IDS = ("mainland", "remote", "overseas")
_ZONE_REGIONS = {
    "mainland": frozenset({"110000", "310000", "440000"}),
    "remote": frozenset({"650000", "540000"}),
    "overseas": frozenset({"US", "JP"}),
}


def zones() -> st.SearchStrategy[Zone]:
    """The mainland, remote provinces or overseas countries, as a zone of methods."""
    return st.sampled_from(_ZONE_IDS).map(
        lambda zone_id: Zone(id=zone_id, regions=_ZONE_REGIONS[zone_id])
    )


@st.composite
def shipping_methods(
    draw: st.DrawFn, currency: str = "CNY", *, method_id: str = "express"
) -> ShippingMethod:
    """A method for some zones of :func:`zones` at a flat price, with bounds or not."""
    low = draw(st.none() | st.integers(0, 100))
    high = draw(st.none() | st.integers(low or 0, 500))
    scale = 10 ** currency_exponent(currency)
    return ShippingMethod(
        id=method_id,
        zones=draw(st.frozensets(st.sampled_from(_ZONE_IDS), min_size=1)),
        price=draw(_money(currency, 0, 50)),
        min_amount=None if low is None else Money.from_minor(low * scale, currency),
        max_amount=None if high is None else Money.from_minor(high * scale, currency),
        min_weight=draw(st.none() | _measures(5)),
        amount_base=draw(st.sampled_from(AmountBase)),
        estimate=draw(st.none() | delivery_estimates()),
    )


@st.composite
def method_calculators(draw: st.DrawFn, currency: str = "CNY") -> MethodCalculator:
    """Up to three methods of distinct ids over the three zones of :func:`zones`."""
    count = draw(st.integers(0, 3))
    return MethodCalculator(
        zones=[Zone(id=zone_id, regions=_ZONE_REGIONS[zone_id]) for zone_id in _ZONE_IDS],
        methods=[draw(shipping_methods(currency, method_id=f"method-{n}")) for n in range(count)],
    )


@st.composite
def freight_quotes(draw: st.DrawFn, currency: str = "CNY") -> FreightQuote:
    """What :func:`~mallcore.shipping.quote_freight` says for a shipment under a set-up.

    The shipment and set-up come from :func:`shipments` and
    :func:`shipping_setups`; some quotes are for a gold member, some with a voucher.
    """
    return quote_freight(
        draw(shipments(currency)),
        draw(shipping_setups(currency)),
        tier=draw(st.sampled_from([None, "gold"])),
        vouchers=draw(st.lists(freight_vouchers(currency), max_size=1)),
    )


def freight_options() -> st.SearchStrategy[FreightOption]:
    """A delivery option of a quote from :func:`freight_quotes`."""
    return parts_of(freight_quotes(), lambda quote: quote.options)


def line_freights() -> st.SearchStrategy[LineFreight]:
    """The freight on one line of a quote from :func:`freight_quotes`."""
    return parts_of(freight_quotes(), lambda quote: quote.lines)


def freight_notes() -> st.SearchStrategy[FreightNote]:
    """A step of the explanation of a quote from :func:`freight_quotes`."""
    return parts_of(freight_quotes(), lambda quote: quote.notes)


def undeliverables() -> st.SearchStrategy[Undeliverable]:
    """A line refused by a division it cannot go to."""
    return st.builds(
        Undeliverable,
        st.sampled_from(["line-0", "line-1"]),
        division_codes(),
        st.sampled_from(["template A does not deliver there", "no method serves it"]),
    )


@st.composite
def loads(draw: st.DrawFn, currency: str = "CNY") -> Load:
    """One template's lines to a destination: up to five lines of up to 25 units each."""
    line_units = draw(st.lists(_measures(25), min_size=1, max_size=5))
    return Load(
        draw(st.sampled_from(TEMPLATE_IDS)),
        draw(_rates(currency)),
        sum(line_units, start=Decimal(0)),
        tuple(line_units),
    )


def china_divisions() -> st.SearchStrategy[ChinaDivisions]:
    """China's division codes as a region hierarchy (it has no fields)."""
    return st.just(ChinaDivisions())


def iso3166() -> st.SearchStrategy[Iso3166]:
    """ISO 3166 codes as a region hierarchy (it has no fields)."""
    return st.just(Iso3166())


@st.composite
def region_tables(draw: st.DrawFn, *, max_size: int = 6) -> RegionTable:
    """A host's own hierarchy: each code's parent drawn among earlier codes, a fallback or not."""
    codes = draw(st.lists(st.from_regex(r"\AZ-[0-9]{1,3}\Z"), max_size=max_size, unique=True))
    parents = {
        code: draw(st.none() | st.sampled_from(codes[:index])) if index else None
        for index, code in enumerate(codes)
    }
    return RegionTable(
        parents=parents,
        names={code: f"Zone {code[2:]}" for code in codes if draw(st.booleans())},
        fallback=draw(st.sampled_from([None, ChinaDivisions(), Iso3166()])),
    )
