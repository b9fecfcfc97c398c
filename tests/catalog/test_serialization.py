"""Every catalog type round-trips through mallcore.serialization unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.catalog import (
    Attribute,
    Category,
    CategoryTree,
    Listing,
    Product,
    Sku,
    SpecDimension,
    Stock,
    StockDeducted,
    StockEvent,
    StockHold,
    StockMovement,
    StockPolicy,
    StockReserved,
)
from mallcore.errors import InvalidDocument
from mallcore.money import Money
from mallcore.serialization import converter, dumps, loads, structure, unstructure
from mallcore.testing.strategies import aware_datetimes, stock_levels, stock_movements

CATALOG_TYPES = [
    Attribute,
    Category,
    CategoryTree,
    Listing,
    Product,
    Sku,
    SpecDimension,
    Stock,
    StockHold,
]


@pytest.mark.parametrize("cls", CATALOG_TYPES, ids=lambda cls: cls.__name__)
@settings(max_examples=40)
@given(data=st.data())
def test_every_catalog_value_round_trips_through_json_able_data(
    cls: type[Any], data: st.DataObject
) -> None:
    value = data.draw(st.from_type(cls))

    assert structure(unstructure(value), cls) == value


@settings(max_examples=40)
@given(st.from_type(Product))
def test_every_product_round_trips_through_json_text(product: Product) -> None:
    assert loads(dumps(product), Product) == product


@given(st.from_type(Stock), st.sampled_from(["O-9"]), st.integers(1, 3))
def test_stock_events_round_trip(stock: Stock, order: str, quantity: int) -> None:
    events = (
        StockReserved(stock.sku_id, order, quantity, None),
        StockDeducted(stock.sku_id, order, quantity),
    )

    assert tuple(structure(unstructure(e), type(e)) for e in events) == events


def test_a_stock_document_is_written_with_the_policy_by_name() -> None:
    stock = Stock("SKU-1", on_hand=3, policy=StockPolicy.DEDUCT_ON_ORDER)

    assert unstructure(stock) == {
        "sku_id": "SKU-1",
        "on_hand": 3,
        "policy": "deduct_on_order",
        "reserved": 0,
        "warning_threshold": 0,
        "version": 0,
    }


def test_a_document_with_an_invalid_product_is_refused_with_the_rule_broken() -> None:
    sku = Sku("S", {"颜色": "红"}, Money("1", "CNY"), Money("1", "CNY"))
    data = unstructure(Product("P", "n", "c", [SpecDimension("颜色", ("红",))], [sku]))
    data["dimensions"][0]["values"].append("蓝")

    with pytest.raises(InvalidDocument) as raised:
        structure(data, Product, source="products.json")

    assert "has no SKU for this enabled combination" in str(raised.value)


def test_a_sku_spec_is_written_as_a_json_object_in_dimension_order() -> None:
    sku = Sku("TEE-红-M", {"颜色": "红", "尺码": "M"}, Money("99", "CNY"), Money("79", "CNY"))

    data = unstructure(sku)

    assert data["spec"] == {"颜色": "红", "尺码": "M"}
    assert list(data["spec"]) == ["颜色", "尺码"]
    assert structure(data, Sku) == sku


def test_a_spec_written_as_a_list_is_refused_with_its_path() -> None:
    sku = Sku("S", {}, Money("1", "CNY"), Money("1", "CNY"))
    data = {**unstructure(sku), "spec": [["颜色", "红"]]}

    with pytest.raises(InvalidDocument) as raised:
        structure(data, Sku)

    assert raised.value.problems == (
        '$.spec: pairs: must be an object of strings, e.g. {"颜色": "红"} '
        "(got [['颜色', '红']])",
    )


@given(stock_levels(policy=StockPolicy.DEDUCT_ON_PAYMENT), aware_datetimes())
def test_stock_events_round_trip_as_a_tagged_union(stock: Stock, now: datetime) -> None:
    stock, reserved = stock.reserve("O-new", 1, now) if stock.available else (stock, ())
    _, counted = stock.count(stock.on_hand + 1)
    events: tuple[StockEvent, ...] = (*reserved, *counted)

    data = [converter.unstructure(event, unstructure_as=StockEvent) for event in events]

    assert [structure(item, StockEvent) for item in data] == list(events)  # type: ignore[arg-type]
    assert {item["kind"] for item in data} <= {
        "stock_reserved",
        "reservation_expired",
        "stock_counted",
    }


@given(stock_movements())
def test_a_stock_movement_round_trips_unchanged(movement: StockMovement) -> None:
    assert loads(dumps(movement), StockMovement) == movement
