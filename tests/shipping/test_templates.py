"""Freight templates: steps rounded up, minimum weight, region rates, refusals, 包邮条件."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mallcore.errors import InvalidValue, WrongType
from mallcore.shipping import (
    AmountBase,
    ChargeBy,
    FreeCondition,
    FreightQuote,
    FreightTemplate,
    Match,
    RegionRate,
    ShipmentLine,
    ShippingSetup,
    Topic,
    quote_freight,
)

from .conftest import TEMPLATE_C, cny, line, rate


def _quote(template: FreightTemplate, region: str, *lines: ShipmentLine) -> FreightQuote:
    setup = ShippingSetup(templates=[template])
    return quote_freight(setup.shipment(region, currency="CNY", lines=lines), setup)


def test_additional_units_are_rounded_up_per_step() -> None:
    half_kilo_steps = rate(1, 10, "0.5", 2)

    assert half_kilo_steps.charge(Decimal("1.0")) == cny(10)
    assert half_kilo_steps.charge(Decimal("1.01")) == cny(12)
    assert half_kilo_steps.charge(Decimal("2.0")) == cny(14)
    assert half_kilo_steps.additional(Decimal("1.2")) == cny(6)


def test_a_parcel_under_the_minimum_chargeable_weight_counts_as_the_minimum() -> None:
    template = FreightTemplate(
        id="C", charge_by=ChargeBy.WEIGHT, default=rate("0.5", 6, "0.5", 2), min_chargeable=1
    )

    units = template.units([line("1", 1, template="C", weight="0.2")])

    assert units == Decimal(1)
    assert template.default.charge(units) == cny(8)


def test_a_volume_template_counts_cubic_metres_times_quantity() -> None:
    template = FreightTemplate(id="V", charge_by=ChargeBy.VOLUME, default=rate("0.1", 20, "0.1", 8))
    bulky = ShipmentLine(
        line_id="1", sku_id="sofa", product_id="sofa", quantity=2, amount=cny(900),
        volume=Decimal("0.12"), template_id="V",
    )  # fmt: skip

    assert template.units([bulky]) == Decimal("0.24")
    assert template.default.charge(template.units([bulky])) == cny(36)


def test_the_most_specific_region_rate_wins() -> None:
    template = FreightTemplate(
        id="C",
        charge_by=ChargeBy.WEIGHT,
        default=rate(1, 12, 1, 5),
        region_rates=[
            RegionRate(regions=["CN"], rate=rate(1, 10, 1, 4)),
            RegionRate(regions=["440000"], rate=rate(1, 8, 1, 2)),
            RegionRate(regions=["440305"], rate=rate(1, 6, 1, 1)),
        ],
    )

    assert template.rate_for(("440305", "440300", "440000", "CN"))[1] == "440305"
    assert template.rate_for(("440303", "440300", "440000", "CN"))[1] == "440000"
    assert template.rate_for(("110101", "110100", "110000", "CN"))[1] == "CN"
    assert template.rate_for(("US-CA", "US")) == (template.default, None)


def test_a_region_in_two_region_rates_is_refused() -> None:
    with pytest.raises(InvalidValue, match="appears in two region rates"):
        FreightTemplate(
            id="C",
            charge_by=ChargeBy.WEIGHT,
            default=rate(1, 12, 1, 5),
            region_rates=[
                RegionRate(regions=["440000"], rate=rate(1, 8, 1, 2)),
                RegionRate(regions=["440000", "650000"], rate=rate(1, 20, 1, 9)),
            ],
        )


def test_lines_going_where_their_template_does_not_deliver_are_marked_not_the_cart() -> None:
    no_xinjiang = FreightTemplate(
        id="A", charge_by=ChargeBy.PIECE, default=rate(1, 8, 1, 3), undeliverable=["650000"]
    )
    setup = ShippingSetup(templates=[no_xinjiang, TEMPLATE_C])
    lines = [line("1", 2), line("2", 1, template="C", weight="1")]

    freight = quote_freight(setup.shipment("650102", currency="CNY", lines=lines), setup)

    assert [(u.line_id, u.region) for u in freight.undeliverable] == [("1", "650000")]
    assert "does not deliver to 650000" in freight.undeliverable[0].reason
    assert freight.amount == cny(12)
    assert [share.line_id for share in freight.lines] == ["2"]


def test_free_shipping_from_three_items_or_99_spent_frees_the_templates_lines() -> None:
    template = FreightTemplate(
        id="A",
        charge_by=ChargeBy.PIECE,
        default=rate(1, 8, 1, 3),
        free_conditions=[FreeCondition(min_quantity=3, min_amount=cny(99), match=Match.ANY)],
    )

    two_cheap = _quote(template, "110101", line("1", 2, amount="20"))
    three_cheap = _quote(template, "110101", line("1", 3, amount="30"))
    two_dear = _quote(template, "110101", line("1", 2, amount="99"))

    assert two_cheap.amount == cny(11)
    assert three_cheap.amount == cny(0)
    assert two_dear.amount == cny(0)


def test_an_and_condition_needs_every_threshold() -> None:
    condition = FreeCondition(min_quantity=3, min_amount=cny(99), match=Match.ALL)

    assert condition.check([line("1", 3, amount="30")]) == (
        False,
        "3 of 3 items and 30.00 of 99.00 spent",
    )
    assert condition.check([line("1", 3, amount="99")])[0]


def test_the_amount_base_says_whether_discounts_count() -> None:
    discounted = ShipmentLine(
        line_id="1", sku_id="s", product_id="p", quantity=1, amount=cny(90),
        amount_before_discounts=cny(110), template_id="A",
    )  # fmt: skip
    after = FreeCondition(min_amount=cny(99))
    before = FreeCondition(min_amount=cny(99), amount_base=AmountBase.BEFORE_DISCOUNTS)

    assert not after.check([discounted])[0]
    assert before.check([discounted])[0]


def test_a_free_condition_for_some_regions_does_not_apply_elsewhere() -> None:
    template = FreightTemplate(
        id="A",
        charge_by=ChargeBy.PIECE,
        default=rate(1, 8, 1, 3),
        free_conditions=[FreeCondition(regions=["310000"], min_quantity=1)],
    )

    shanghai = _quote(template, "310115", line("1"))
    beijing = _quote(template, "110101", line("1"))

    assert shanghai.amount == cny(0)
    assert beijing.amount == cny(8)
    notes = [note.topic for note in beijing.notes]
    assert Topic.FREE_CONDITION not in notes


def test_a_condition_with_no_threshold_is_refused() -> None:
    with pytest.raises(InvalidValue, match="needs at least one threshold"):
        FreeCondition(regions=["310000"])


def test_a_float_weight_is_refused() -> None:
    with pytest.raises(WrongType, match=r"not float \(got 1\.5\)"):
        ShipmentLine(
            line_id="1", sku_id="s", product_id="p", quantity=1, amount=cny(9),
            weight=1.5,  # type: ignore[arg-type]
        )  # fmt: skip


def test_a_light_bulky_parcel_is_charged_its_volumetric_weight() -> None:
    # SF Express: volumetric weight = length x width x height (cm) / 6000 (sf-express.com).
    # 2 pillows of 50 x 40 x 30 cm (0.06 m³) weighing 1 kg each: 2 x 60,000 / 6000 = 20 kg.
    template = FreightTemplate(
        id="W", charge_by=ChargeBy.WEIGHT, default=rate(1, 12, 1, 5), volumetric_divisor=6000
    )
    pillows = ShipmentLine(
        line_id="1", sku_id="pillow", product_id="pillow", quantity=2, amount=cny(200),
        weight=Decimal("1"), volume=Decimal("0.06"), template_id="W",
    )  # fmt: skip

    assert template.units([pillows]) == Decimal("20")
    assert template.default.charge(template.units([pillows])) == cny(12 + 19 * 5)


def test_a_dense_parcel_is_charged_its_actual_weight_and_volumetric_is_rounded_to_the_gram() -> (
    None
):
    template = FreightTemplate(
        id="W", charge_by=ChargeBy.WEIGHT, default=rate(1, 12, 1, 5), volumetric_divisor=6000
    )
    dense = line("1", 1, template="W", weight="3")
    small = ShipmentLine(
        line_id="2", sku_id="box", product_id="box", quantity=1, amount=cny(10),
        weight=Decimal("0"), volume=Decimal("0.001"), template_id="W",
    )  # fmt: skip

    assert template.units([dense]) == Decimal("3")
    assert template.units([small]) == Decimal("0.167")


def test_a_volumetric_divisor_needs_a_weight_template() -> None:
    with pytest.raises(InvalidValue, match=r"volumetric_divisor.*charged by weight"):
        FreightTemplate(
            id="P", charge_by=ChargeBy.PIECE, default=rate(1, 8, 1, 3), volumetric_divisor=6000
        )
