"""The error tree: what each error is a kind of, and what it says."""

from __future__ import annotations

import pytest

from mallcore import errors
from mallcore.errors import (
    CurrencyMismatch,
    IllegalTransition,
    InvalidValue,
    MallcoreError,
    NotFound,
    OutOfStock,
    StaleVersion,
    Unavailable,
)


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_is_a_mallcore_error(name: str) -> None:
    assert issubclass(getattr(errors, name), MallcoreError)


def test_bad_input_is_also_a_value_error_and_a_missing_thing_a_lookup_error() -> None:
    assert issubclass(InvalidValue, ValueError)
    assert issubclass(CurrencyMismatch, ValueError)
    assert issubclass(NotFound, LookupError)


def test_messages_name_the_thing_the_rule_and_the_values() -> None:
    assert str(InvalidValue("sku.price", -1, "must not be negative")) == (
        "sku.price: must not be negative (got -1)"
    )
    assert str(NotFound("order", "A1")) == "no order 'A1'"
    assert str(OutOfStock("TSHIRT-RED-M", 3, 1)) == (
        "SKU 'TSHIRT-RED-M': 3 requested but only 1 available"
    )
    assert str(IllegalTransition("order", "A1", "PAID", "AWAITING_PAYMENT")) == (
        "order 'A1' cannot go from PAID to AWAITING_PAYMENT"
    )
    assert str(StaleVersion("order", "A1", 3, 4)) == (
        "order 'A1': saving version 4 but the stored version is 4, not 3"
    )
    assert str(Unavailable("payment gateway", "connection refused")) == (
        "payment gateway is unavailable: connection refused"
    )


def test_the_values_are_kept_as_attributes() -> None:
    error = OutOfStock("TSHIRT-RED-M", 3, 1)

    assert (error.sku_id, error.requested, error.available) == ("TSHIRT-RED-M", 3, 1)
