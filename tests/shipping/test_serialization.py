"""Every shipping type round-trips through mallcore.serialization; rule-file shapes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given

from mallcore.errors import InvalidDocument
from mallcore.serialization import dumps, loads, structure, unstructure
from mallcore.shipping import (
    ChinaDivisions,
    FreightQuote,
    Iso3166,
    RegionTable,
    Shipment,
    ShippingSetup,
    quote_freight,
)
from mallcore.testing.strategies import shipments, shipping_setups

from .test_freight import INTERNATIONAL


@given(shipping_setups())
def test_a_shipping_setup_round_trips(setup: ShippingSetup) -> None:
    assert loads(dumps(setup), ShippingSetup) == setup


@given(shipping_setups(), shipments())
def test_a_shipment_and_its_freight_quote_round_trip(
    setup: ShippingSetup, shipment: Shipment
) -> None:
    freight = quote_freight(shipment, setup, tier="gold")

    assert loads(dumps(shipment), Shipment) == shipment
    assert loads(dumps(freight), FreightQuote) == freight


def test_zones_and_methods_round_trip() -> None:
    assert loads(dumps(INTERNATIONAL), ShippingSetup) == INTERNATIONAL


@pytest.mark.parametrize(
    "regions",
    [
        ChinaDivisions(),
        Iso3166(),
        RegionTable(
            parents={"island": "310100"},
            names={"island": "崇明岛"},
            fallback=RegionTable(parents={"310100": "310000"}, fallback=ChinaDivisions()),
        ),
    ],
)
def test_region_hierarchies_are_tagged_by_kind(regions: object) -> None:
    data = unstructure(ShippingSetup(regions=regions))  # type: ignore[arg-type]

    assert data["regions"]["kind"] in {"china", "iso3166", "table"}
    assert structure(json.loads(json.dumps(data)), ShippingSetup).regions == regions


def test_a_bad_template_in_a_document_is_named_by_its_path() -> None:
    text = json.dumps(
        {
            "templates": [
                {
                    "id": "A",
                    "charge_by": "piece",
                    "default": {
                        "first": "1",
                        "first_fee": {"amount": "8", "currency": "CNY"},
                        "step": "0",
                        "step_fee": {"amount": "3", "currency": "CNY"},
                    },
                }
            ]
        }
    )

    with pytest.raises(InvalidDocument) as error:
        loads(text, ShippingSetup, source="shop.json")

    assert error.value.problems == (
        "$.templates[0].default: step: must be positive (got Decimal('0'))",
    )
