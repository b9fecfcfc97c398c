"""The one converter: round trips, and documents that fail with paths, not tracebacks."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given

from mallcore.errors import InvalidDocument
from mallcore.money import Money
from mallcore.serialization import dumps, loads, structure, unstructure
from mallcore.testing.strategies import amounts


@attrs.frozen
class _Price:
    """A stand-in domain value: a named price with a window start."""

    label: str
    price: Money
    starts_at: datetime


@given(amounts())
def test_money_round_trips_through_json_able_data(money: Money) -> None:
    assert structure(unstructure(money), Money) == money


def test_money_is_written_with_a_string_amount() -> None:
    assert unstructure(Money("12.3", "CNY")) == {"amount": "12.30", "currency": "CNY"}


def test_a_value_round_trips_through_json_text() -> None:
    value = _Price("T恤", Money("99.00", "CNY"), datetime(2026, 11, 11, tzinfo=UTC))

    assert loads(dumps(value), _Price) == value


def test_a_bad_document_names_every_bad_field_by_its_path() -> None:
    data = {
        "label": "T恤",
        "price": {"amount": "9.999", "currency": "CNY"},
        "starts_at": "2026-11-11T00:00:00",
        "colour": "red",
    }

    with pytest.raises(InvalidDocument) as raised:
        structure(data, _Price, source="prices.json")

    assert raised.value.problems == (
        "$.price: Money.amount: must be a whole number of CNY minor units "
        "(2 decimal places) (got Decimal('9.999'))",
        "$.starts_at: datetime: must carry a UTC offset, e.g. +08:00 (got '2026-11-11T00:00:00')",
        "$: unknown fields ['colour']",
    )
    assert str(raised.value).startswith("prices.json is not valid:\n  $.price: ")


def test_a_float_amount_in_a_document_is_refused() -> None:
    with pytest.raises(InvalidDocument, match=r"\$\.price: money\.amount"):
        structure(
            {"label": "x", "price": {"amount": 9.99, "currency": "CNY"}, "starts_at": "x"},
            _Price,
        )


def test_text_that_is_not_json_reports_where_it_broke() -> None:
    with pytest.raises(InvalidDocument, match="line 1 column 2"):
        loads("{oops}", _Price, source="cart.json")
