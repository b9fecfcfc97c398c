"""The id rule, stated once in mallcore._fields and checked at every edge."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given

from mallcore._fields import CONTROL_CHARACTERS, identifier, is_identifier
from mallcore.errors import InvalidValue, WrongType
from mallcore.testing.strategies import bad_ids, ids


@given(ids())
def test_every_drawn_id_is_accepted_unchanged(value: str) -> None:
    assert identifier("order_id", value) == value


@given(bad_ids())
def test_every_bad_id_is_refused_with_a_named_error(value: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        identifier("order_id", value)

    assert caught.value.field == "order_id"
    assert not is_identifier(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "order_id: must not be empty (got '')"),
        ("x" * 65, f"order_id: must be at most 64 characters (got {'x' * 65!r})"),
        ("O-1 ", "order_id: must not start or end with whitespace (got 'O-1 ')"),
        ("O\x001", "order_id: must not contain control characters (got 'O\\x001')"),
    ],
)
def test_a_bad_id_says_which_rule_it_breaks(value: str, message: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        identifier("order_id", value)

    assert str(caught.value) == message


def test_a_wrong_type_is_both_invalid_value_and_type_error() -> None:
    with pytest.raises(TypeError) as caught:
        identifier("sku_id", 5)

    assert isinstance(caught.value, WrongType)
    assert str(caught.value) == "sku_id: must be a str, not int (got 5)"


def test_sixty_four_characters_and_inner_spaces_are_fine() -> None:
    assert identifier("id", "a" * 64) == "a" * 64
    assert identifier("id", "满100 减10") == "满100 减10"


def test_the_control_characters_are_exactly_unicodes_category_cc() -> None:
    controls = [
        chr(code) for code in range(sys.maxunicode + 1) if CONTROL_CHARACTERS.match(chr(code))
    ]

    assert controls == [
        chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cc"
    ]
