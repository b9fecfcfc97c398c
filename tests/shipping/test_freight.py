"""quote_freight: options and the shopper's choice, the offers in order, apportioning."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.shipping import (
    BenefitKind,
    DeliveryEstimate,
    FreeShippingOver,
    FreightBenefit,
    FreightOption,
    FreightQuote,
    FreightVoucher,
    Iso3166,
    RemoteSurcharge,
    Shipment,
    ShipmentLine,
    ShippingMethod,
    ShippingSetup,
    Topic,
    Zone,
    quote_freight,
)

from .conftest import TEMPLATE_A, TEMPLATE_C, cny, line


def usd(amount: str | int) -> Money:
    return Money(amount, "USD")


def _parcel(line_id: str, amount: str, weight: str) -> ShipmentLine:
    return ShipmentLine(
        line_id=line_id,
        sku_id=line_id,
        product_id=line_id,
        quantity=1,
        amount=usd(amount),
        weight=Decimal(weight),
    )


INTERNATIONAL = ShippingSetup(
    regions=Iso3166(),
    zones=[
        Zone(id="domestic", regions=["US"]),
        Zone(id="remote", regions=["US-AK", "US-HI"]),
        Zone(id="europe", regions=["DE", "FR"]),
    ],
    methods=[
        ShippingMethod(
            id="ground", zones=["domestic"], price=usd(5), max_weight=30,
            estimate=DeliveryEstimate(min_days=3, max_days=7),
        ),
        ShippingMethod(
            id="free-ground", zones=["domestic"], price=usd(0), min_amount=usd(50), max_weight=30
        ),
        ShippingMethod(
            id="express", zones=["domestic", "remote"], price=usd(25),
            estimate=DeliveryEstimate(min_days=1, max_days=2),
        ),
        ShippingMethod(id="europe-post", zones=["europe"], price=usd(18)),
    ],
)  # fmt: skip


def _international(region: str, *lines: ShipmentLine, method: str | None = None) -> FreightQuote:
    shipment = INTERNATIONAL.shipment(region, currency="USD", lines=lines)
    return quote_freight(shipment, INTERNATIONAL, method=method)


def test_every_method_of_the_zone_is_offered_and_the_cheapest_available_is_taken() -> None:
    freight = _international("US-CA", _parcel("1", "20", "2"))

    assert [(o.method_id, o.unavailable) for o in freight.options] == [
        ("ground", ""),
        ("free-ground", "order amount 20.00 is below 50.00"),
        ("express", ""),
    ]
    assert freight.method_id == "ground"
    assert freight.estimate == DeliveryEstimate(min_days=3, max_days=7)


def test_amount_and_weight_bounds_are_inclusive() -> None:
    freight = _international("US-CA", _parcel("1", "50", "30"))

    assert freight.method_id == "free-ground"
    assert freight.amount == usd(0)


def test_the_shopper_may_choose_a_dearer_method() -> None:
    freight = _international("US-CA", _parcel("1", "20", "2"), method="express")

    assert freight.amount == usd(25)


def test_a_destination_is_in_the_zone_of_its_most_specific_listed_code() -> None:
    freight = _international("US-AK", _parcel("1", "80", "2"))

    assert [o.method_id for o in freight.options] == ["express"]


def test_a_destination_no_method_serves_leaves_every_line_undeliverable() -> None:
    freight = _international("JP", _parcel("1", "80", "2"), _parcel("2", "5", "1"))

    assert [u.line_id for u in freight.undeliverable] == ["1", "2"]
    assert freight.amount == usd(0)


def test_choosing_a_method_the_shipment_does_not_qualify_for_reports_why() -> None:
    freight = _international("US-CA", _parcel("1", "20", "31"), method="ground")

    assert freight.undeliverable[0].reason == "weight 31 kg is above 30 kg"


def test_choosing_a_method_that_is_not_offered_is_refused() -> None:
    with pytest.raises(InvalidValue, match="is not a delivery option"):
        _international("US-CA", _parcel("1", "20", "2"), method="europe-post")


@attrs.frozen
class FlatCarrier:
    """A stand-in for a host's live carrier rate."""

    price: Money

    def options(self, shipment: Shipment) -> tuple[FreightOption, ...]:
        return (FreightOption(method_id="carrier", name="Live rate", amount=self.price),)


def test_a_hosts_carrier_is_offered_beside_the_set_ups_own_options() -> None:
    shipment = INTERNATIONAL.shipment("US-CA", currency="USD", lines=[_parcel("1", "20", "2")])

    freight = quote_freight(shipment, INTERNATIONAL, carriers=[FlatCarrier(usd("4.50"))])

    assert freight.method_id == "carrier"
    assert freight.amount == usd("4.50")


SHOP = ShippingSetup(
    templates=[TEMPLATE_A, TEMPLATE_C],
    free_over=[FreeShippingOver(id="free-99", threshold=cny(99), excluded_regions=["540000"])],
    surcharges=[RemoteSurcharge(id="remote", regions=["650000", "540000"], amount=cny(10))],
    tier_benefits={
        "gold": FreightBenefit(id="gold-half", kind=BenefitKind.PERCENT_OFF, percent_off=50),
        "diamond": FreightBenefit(id="diamond-free", kind=BenefitKind.WAIVE),
    },
)


def _shop(
    region: str,
    *lines: ShipmentLine,
    tier: str | None = None,
    vouchers: tuple[FreightVoucher, ...] = (),
) -> FreightQuote:
    shipment = SHOP.shipment(region, currency="CNY", lines=lines)
    return quote_freight(shipment, SHOP, tier=tier, vouchers=vouchers)


def test_free_shipping_over_99_waives_the_freight_but_not_the_remote_surcharge() -> None:
    freight = _shop("650102", line("1", 3, amount="120"))

    assert freight.charged == cny(14)
    assert freight.amount == cny(10)
    topics = [(n.topic, n.subject, n.amount) for n in freight.notes][-2:]
    assert topics == [
        (Topic.FREE_OVER, "free-99", cny(-14)),
        (Topic.SURCHARGE, "remote", cny(10)),
    ]


def test_free_shipping_over_an_amount_excludes_the_regions_it_names() -> None:
    freight = _shop("540102", line("1", 3, amount="120"))

    assert freight.amount == cny(24)


def test_below_the_threshold_the_note_says_how_much_more_to_spend() -> None:
    freight = _shop("110101", line("1", 1, amount="90"))

    note = next(n for n in freight.notes if n.topic is Topic.FREE_OVER)
    assert note.detail == "spend 9.00 more"


def test_a_tier_benefit_applies_after_free_shipping_and_before_the_surcharge() -> None:
    gold = _shop("650102", line("1", 2, amount="20"), tier="gold")
    diamond = _shop("650102", line("1", 2, amount="20"), tier="diamond")

    assert gold.amount == cny("15.50")
    assert diamond.amount == cny(10)


def test_the_shipping_coupon_saving_most_is_used_surcharge_included() -> None:
    vouchers = (FreightVoucher(id="off-5", amount_off=cny(5)), FreightVoucher(id="free"))

    freight = _shop("650102", line("1", 2, amount="20"), vouchers=vouchers)

    assert freight.voucher_id == "free"
    assert freight.amount == cny(0)
    unused = [n.detail for n in freight.notes if n.subject == "off-5"]
    assert unused == ["not used: one per order, free is used"]


def test_freight_is_apportioned_by_what_each_line_costs_alone() -> None:
    lines = (line("1", 1), line("2", 1, template="C", weight="3"))

    freight = _shop("110101", *lines)

    # C first: 12 + 2 x 5 = 22, A's item at 3: 25 over weights 8 and 22
    assert freight.amount == cny(25)
    assert [s.amount for s in freight.lines] == [cny("6.67"), cny("18.33")]
