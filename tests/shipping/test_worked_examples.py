"""The worked examples of issue 4, and the merge rule they come from.

Templates: A by piece, first 1 = 8, +1 = 3; B by piece, first 1 = 20,
+1 = 10; C by weight, first 1 kg = 12, +1 kg = 5. Source: issue 4, which
takes the default merge from China's largest platform (lines on one template
share one first fee; across templates the largest first fee once, every
other template's units at their own additional rate).
"""

from __future__ import annotations

from mallcore.money import Money
from mallcore.shipping import ShipmentLine, ShippingSetup, quote_freight

from .conftest import TEMPLATE_A, TEMPLATE_B, TEMPLATE_C, cny, line

SETUP = ShippingSetup(templates=[TEMPLATE_A, TEMPLATE_B, TEMPLATE_C])


def _freight(*lines: ShipmentLine) -> Money:
    shipment = SETUP.shipment("110101", currency="CNY", lines=lines)
    return quote_freight(shipment, SETUP).amount


def test_two_items_on_a_plus_two_more_on_a_share_one_first_fee_17() -> None:
    assert _freight(line("1", 2), line("2", 2)) == cny(17)


def test_two_items_on_a_plus_two_on_b_is_20_10_3_3_36() -> None:
    assert _freight(line("1", 2), line("2", 2, template="B")) == cny(36)


def test_two_items_on_a_plus_two_kg_on_c_is_12_5_3_3_23() -> None:
    assert _freight(line("1", 2), line("2", 1, template="C", weight="2")) == cny(23)


def test_2_3_kg_on_c_alone_rounds_the_extra_up_to_two_steps_22() -> None:
    assert _freight(line("1", 1, template="C", weight="2.3")) == cny(22)
