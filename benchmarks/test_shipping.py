"""Freight benchmarks: a 50-line cart over 5 templates, and growth with region rules.

Run with ``.venv/bin/python -m pytest benchmarks/test_shipping.py --benchmark-only -q``.
The baseline is the same freight written by hand in one function over
integer minor units (default merge, region lookup by dictionary), timed in
the same run; a second baseline scans every region rule instead, to show
what the index saves.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from mallcore.money import Money
from mallcore.shipping import (
    ChargeBy,
    FreightTemplate,
    Rate,
    RegionRate,
    Shipment,
    ShipmentLine,
    ShippingSetup,
    quote_freight,
)
from mallcore.shipping.regions import CHINA_PROVINCES

TEMPLATES = 5
DESTINATION = "440305"


def cny(minor: int) -> Money:
    return Money.from_minor(minor, "CNY")


def _codes(count: int) -> list[str]:
    """``count`` distinct district codes, none of them the destination's ancestors."""
    provinces = [code[:2] for code in CHINA_PROVINCES if code != "440000"]
    codes = [f"{p}{c:02}{d:02}" for c in range(1, 21) for d in range(1, 21) for p in provinces]
    return codes[:count]


def make_setup(region_rules: int) -> ShippingSetup:
    """Five templates (piece, weight, volume) with ``region_rules`` region rates in all.

    The destination's province has a rule in each template, so the lookup
    walks past the district and city before it finds one.
    """
    per_template = region_rules // TEMPLATES
    charge_by = [ChargeBy.PIECE, ChargeBy.WEIGHT, ChargeBy.VOLUME, ChargeBy.WEIGHT, ChargeBy.PIECE]
    templates = []
    for n in range(TEMPLATES):
        rates = [
            RegionRate(
                regions=[code],
                rate=Rate(
                    first=1, first_fee=cny(600 + i % 900), step=1, step_fee=cny(200 + i % 300)
                ),
            )
            for i, code in enumerate(_codes(per_template))
        ]
        if per_template:
            rates[-1] = RegionRate(
                regions=["440000"],
                rate=Rate(
                    first=1, first_fee=cny(800 + 100 * n), step=1, step_fee=cny(300 + 50 * n)
                ),
            )
        templates.append(
            FreightTemplate(
                id=f"T{n}",
                charge_by=charge_by[n],
                default=Rate(first=1, first_fee=cny(1000 + 200 * n), step=1, step_fee=cny(500)),
                region_rates=rates,
            )
        )
    return ShippingSetup(templates=templates)


def make_shipment(setup: ShippingSetup, lines: int = 50) -> Shipment:
    return setup.shipment(
        DESTINATION,
        currency="CNY",
        lines=[
            ShipmentLine(
                line_id=f"line-{n}",
                sku_id=f"sku-{n}",
                product_id=f"p-{n}",
                quantity=1 + n % 3,
                amount=cny(1990 + 733 * n),
                weight=Decimal(n % 7 + 1).scaleb(-1),
                volume=Decimal(n % 5 + 1).scaleb(-3),
                template_id=f"T{n % TEMPLATES}",
            )
            for n in range(lines)
        ],
    )


Index = dict[str, tuple[FreightTemplate, dict[str, Rate]]]


def make_index(setup: ShippingSetup) -> Index:
    """Each template by id, with its region rates by code (built once, as a host would)."""
    return {
        t.id: (t, {code: rr.rate for rr in t.region_rates for code in rr.regions})
        for t in setup.templates
    }


def _steps(units: Decimal, step: Decimal) -> int:
    whole, rest = divmod(units, step)  # Decimal's // truncates; units are never negative
    return int(whole) + (1 if rest else 0)


def hand_written(index: Index, shipment: Shipment, *, scan: bool = False) -> Money:
    """The default merge written straight: dictionaries, integers, no explanation."""
    units: dict[str, Decimal] = {}
    for line in shipment.lines:
        template = index[str(line.template_id)][0]
        if template.charge_by is ChargeBy.PIECE:
            counted = Decimal(line.quantity)
        elif template.charge_by is ChargeBy.WEIGHT:
            counted = line.weight * line.quantity
        else:
            counted = line.volume * line.quantity
        units[template.id] = units.get(template.id, Decimal(0)) + counted
    charges = []
    for template_id, counted in units.items():
        template, by_code = index[template_id]
        rate = template.default
        if scan:
            found = [
                (shipment.destination.index(code), rr.rate)
                for rr in template.region_rates
                for code in rr.regions
                if code in shipment.destination
            ]
            if found:
                rate = min(found, key=lambda pair: pair[0])[1]
        else:
            rate = next((by_code[c] for c in shipment.destination if c in by_code), rate)
        first_fee, step_fee = rate.first_fee.minor_units, rate.step_fee.minor_units
        alone = first_fee + _steps(max(counted - rate.first, Decimal(0)), rate.step) * step_fee
        charges.append((first_fee, alone, _steps(counted, rate.step) * step_fee))
    everything = sum(extra for _, _, extra in charges)
    top = max(first for first, _, _ in charges)
    total = min(everything - extra + alone for first, alone, extra in charges if first == top)
    return Money.from_minor(total, "CNY")


SETUP_3000 = make_setup(3000)
SHIPMENT_50 = make_shipment(SETUP_3000)
INDEX_3000 = make_index(SETUP_3000)


def test_baseline_hand_written_freight(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "freight: 50 lines, 5 templates, 3,000 region rules"
    benchmark(hand_written, INDEX_3000, SHIPMENT_50)


def test_baseline_hand_written_scanning_every_rule(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "freight: 50 lines, 5 templates, 3,000 region rules"
    benchmark(hand_written, INDEX_3000, SHIPMENT_50, scan=True)


def test_quote_freight_50_lines_5_templates_3000_rules(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "freight: 50 lines, 5 templates, 3,000 region rules"
    freight = benchmark(quote_freight, SHIPMENT_50, SETUP_3000)
    assert freight.amount == hand_written(INDEX_3000, SHIPMENT_50)
    assert freight.amount == hand_written(INDEX_3000, SHIPMENT_50, scan=True)


@pytest.mark.parametrize("rules", [0, 300, 3000, 30000])
def test_quote_freight_by_region_rules(benchmark: BenchmarkFixture, rules: int) -> None:
    benchmark.group = "freight by region rules (50 lines, 5 templates)"
    setup = make_setup(rules)
    benchmark(quote_freight, make_shipment(setup), setup)
