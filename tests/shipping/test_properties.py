"""Laws of freight, one per test, over the project's own strategies."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from mallcore.money import Money
from mallcore.shipping import (
    ChargeBy,
    FreightTemplate,
    FreightVoucher,
    MergePolicy,
    Rate,
    Shipment,
    ShippingSetup,
    quote_freight,
)
from mallcore.testing.strategies import rates, shipment_lines, shipments, shipping_setups

VOUCHERS = (FreightVoucher(id="off-3", amount_off=Money("3", "CNY")),)


@given(shipping_setups(), shipments(), st.sampled_from([None, "gold"]), st.booleans())
def test_freight_is_never_negative(
    setup: ShippingSetup, shipment: Shipment, tier: str | None, voucher: bool
) -> None:
    freight = quote_freight(shipment, setup, tier=tier, vouchers=VOUCHERS if voucher else ())

    assert not freight.amount.is_negative()
    assert all(not share.amount.is_negative() for share in freight.lines)


@given(shipping_setups(), shipments(), st.sampled_from([None, "gold"]))
def test_apportioned_parts_add_up_to_the_freight_on_the_delivered_lines(
    setup: ShippingSetup, shipment: Shipment, tier: str | None
) -> None:
    freight = quote_freight(shipment, setup, tier=tier, vouchers=VOUCHERS)

    refused = {item.line_id for item in freight.undeliverable}
    delivered = [line.line_id for line in shipment.lines if line.line_id not in refused]
    assert [share.line_id for share in freight.lines] == delivered
    assert sum((share.amount for share in freight.lines), start=Money.zero("CNY")) == (
        freight.amount if delivered else Money.zero("CNY")
    )


@given(
    shipping_setups(free_shipping=False),
    shipments(max_size=5),
    shipment_lines(line_id="added"),
    st.sampled_from([None, "gold"]),
)
def test_adding_an_item_never_lowers_freight_without_a_free_shipping_condition(
    setup: ShippingSetup, shipment: Shipment, added: object, tier: str | None
) -> None:
    bigger = attrs.evolve(shipment, lines=(*shipment.lines, added))

    before = quote_freight(shipment, setup, tier=tier, vouchers=VOUCHERS)
    after = quote_freight(bigger, setup, tier=tier, vouchers=VOUCHERS)

    assert after.amount >= before.amount


def _sensible(rate: Rate) -> Rate:
    """A rate whose first fee costs at least its first units at the additional rate."""
    floor = rate.additional(rate.first)
    return attrs.evolve(rate, first_fee=max(rate.first_fee, floor))


@st.composite
def _plain_setups(draw: st.DrawFn, policy: MergePolicy) -> ShippingSetup:
    templates = [
        FreightTemplate(
            id=template_id,
            charge_by=draw(st.sampled_from(ChargeBy)),
            default=_sensible(draw(rates())),
        )
        for template_id in ("A", "B", "C")
    ]
    return ShippingSetup(templates=templates, merge_policy=policy)


def _under(policy: MergePolicy, setup: ShippingSetup, shipment: Shipment) -> Money:
    return quote_freight(shipment, attrs.evolve(setup, merge_policy=policy)).amount


@given(_plain_setups(MergePolicy.LARGEST_FIRST_FEE), shipments(flat_postage=False))
def test_sharing_first_fees_never_costs_more_than_charging_each_template_or_line(
    setup: ShippingSetup, shipment: Shipment
) -> None:
    largest = _under(MergePolicy.LARGEST_FIRST_FEE, setup, shipment)
    per_template = _under(MergePolicy.SUM_PER_TEMPLATE, setup, shipment)
    per_line = _under(MergePolicy.SUM_PER_LINE, setup, shipment)

    assert largest <= per_template <= per_line


@given(_plain_setups(MergePolicy.LARGEST_FIRST_FEE), shipments(max_size=1, flat_postage=False))
def test_one_line_costs_the_same_under_every_policy(
    setup: ShippingSetup, shipment: Shipment
) -> None:
    amounts = {_under(policy, setup, shipment) for policy in MergePolicy}

    assert len(amounts) == 1


@given(_plain_setups(MergePolicy.LARGEST_FIRST_FEE), shipments())
def test_the_larger_of_flat_and_template_never_exceeds_their_sum(
    setup: ShippingSetup, shipment: Shipment
) -> None:
    larger = _under(MergePolicy.LARGER_OF_FLAT_AND_TEMPLATE, setup, shipment)
    added = _under(MergePolicy.LARGEST_FIRST_FEE, setup, shipment)

    assert larger <= added
