"""Fuzz target: every public constructor refuses a hostile field by name.

For each public attrs type with a strategy, a drawn value is rebuilt from its
own fields with one field replaced: by a value of the wrong Python type or a
hostile one of the right type (huge, not finite, empty, a path for a zone).
The constructor either builds a value or raises a mallcore error
(WrongType, InvalidValue, LimitExceeded ...); nothing else escapes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.money import Money
from mallcore.testing._hypothesis import TYPE_STRATEGIES
from tests.fuzz.hostile import HOSTILE_SCALARS, Tally, fuzz_settings
from tests.fuzz.public import public_types

WRONG_TYPES: tuple[Any, ...] = (
    object(),
    1.5,
    float("nan"),
    b"bytes",
    frozenset({1}),
    ("a", 1),
    {"a": 1},
    datetime(2026, 11, 11),
    "2026-11-11",
    timedelta(days=1),
)
"""Values of a Python type no public field takes, or takes only in another form."""

HOSTILE_OF_RIGHT_TYPE: tuple[Any, ...] = (
    Decimal("NaN"),
    Decimal("-Infinity"),
    Decimal("1E-999999"),
    Decimal("1E+999999"),
    Money("-1.00", "CNY"),
    Money("0.00", "CNY"),
    Money("1.00", "USD"),
    datetime.max.replace(tzinfo=UTC),
    datetime.min.replace(tzinfo=UTC),
    (),
    frozenset(),
    ("",),
)
"""Values of a type fields do take, chosen to break a rule."""

WITH_STRATEGY = {cls for cls, _ in TYPE_STRATEGIES}
TALLY = Tally("public constructors")


def _constructors() -> list[Any]:
    return [pytest.param(cls, id=cls.__name__) for cls in public_types() if cls in WITH_STRATEGY]


def _init_fields(value: Any) -> dict[str, Any]:
    return {
        field.alias: getattr(value, field.name) for field in attrs.fields(type(value)) if field.init
    }


@pytest.mark.parametrize("cls", _constructors())
@fuzz_settings(40)
@given(data=st.data())
def test_a_public_constructor_builds_or_refuses_a_hostile_field_by_name(
    cls: type, data: st.DataObject
) -> None:
    value = data.draw(st.from_type(cls))
    fields = _init_fields(value)
    if not fields:  # a value without fields (a region hierarchy): nothing to break
        assert cls() == value
        return
    name = data.draw(st.sampled_from(sorted(fields)))
    hostile = data.draw(st.sampled_from((*WRONG_TYPES, *HOSTILE_OF_RIGHT_TYPE, *HOSTILE_SCALARS)))

    TALLY.run(lambda: cls(**{**fields, name: hostile}))
