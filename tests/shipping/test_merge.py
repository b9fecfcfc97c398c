"""Merge policies, each with the worked example docs/shipping.md gives for it."""

from __future__ import annotations

from mallcore.money import Money
from mallcore.shipping import (
    ChargeBy,
    FreightTemplate,
    MergePolicy,
    ShipmentLine,
    ShippingSetup,
    Topic,
    quote_freight,
)

from .conftest import TEMPLATE_A, TEMPLATE_B, TEMPLATE_C, cny, line, rate

CART = (line("1", 2), line("2", 1), line("3", 2, template="B"))
"""Two items then one more on A, two on B."""


def _freight(policy: MergePolicy, *lines: ShipmentLine) -> Money:
    setup = ShippingSetup(templates=[TEMPLATE_A, TEMPLATE_B, TEMPLATE_C], merge_policy=policy)
    return quote_freight(setup.shipment("110101", currency="CNY", lines=lines), setup).amount


def test_largest_first_fee_charges_b_first_and_a_at_its_additional_rate() -> None:
    # B: 20 + 10; A's three items at 3 each
    assert _freight(MergePolicy.LARGEST_FIRST_FEE, *CART) == cny(39)


def test_sum_per_template_charges_every_template_its_own_first_fee() -> None:
    # A: 8 + 3 + 3; B: 20 + 10
    assert _freight(MergePolicy.SUM_PER_TEMPLATE, *CART) == cny(44)


def test_sum_per_line_charges_every_line_as_if_shipped_alone() -> None:
    # line 1: 8 + 3; line 2: 8; line 3: 20 + 10
    assert _freight(MergePolicy.SUM_PER_LINE, *CART) == cny(49)


def test_larger_of_flat_and_template_takes_the_larger_never_both() -> None:
    flat_15 = line("4", flat="15")

    assert _freight(MergePolicy.LARGER_OF_FLAT_AND_TEMPLATE, line("1", 2), flat_15) == cny(15)
    assert _freight(MergePolicy.LARGER_OF_FLAT_AND_TEMPLATE, line("1", 4), flat_15) == cny(17)


def test_the_largest_flat_postage_is_added_once_under_the_default() -> None:
    lines = (line("1", 2), line("2", flat="6"), line("3", flat="10"))

    assert _freight(MergePolicy.LARGEST_FIRST_FEE, *lines) == cny(21)
    assert _freight(MergePolicy.SUM_PER_LINE, *lines) == cny(27)


def test_a_free_product_costs_nothing_and_does_not_count_toward_its_neighbours() -> None:
    assert _freight(MergePolicy.LARGEST_FIRST_FEE, line("1", 2, flat="0")) == cny(0)
    assert _freight(MergePolicy.LARGEST_FIRST_FEE, line("1"), line("2", 5, flat="0")) == cny(8)


def test_of_templates_tied_on_the_first_fee_the_one_giving_the_lower_total_takes_it() -> None:
    cheap_steps = FreightTemplate(id="D", charge_by=ChargeBy.PIECE, default=rate(1, 8, 1, 1))
    setup = ShippingSetup(templates=[TEMPLATE_A, cheap_steps])
    lines = [line("1", 3, template="D"), line("2", 1)]

    freight = quote_freight(setup.shipment("110101", currency="CNY", lines=lines), setup)

    # A first (8) and D's three items at 1 each = 11; D first would be 8 + 2 + 3 = 13
    assert freight.amount == cny(11)
    merge_note = next(note for note in freight.notes if note.topic is Topic.MERGE)
    assert merge_note.detail.startswith("first fee of A (8.00) once; D at the additional rate")
