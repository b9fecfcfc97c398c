"""The testing kit as a user's suite meets it: importable first, registered with Hypothesis."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallcore.orders import Order
from mallcore.ports import OutboxEvent
from mallcore.serialization import structure, unstructure
from mallcore.services import JobReport, RelayReport
from mallcore.testing._hypothesis import TYPE_STRATEGIES


def test_the_strategies_import_on_their_own_and_from_type_draws_from_them() -> None:
    code = (
        "import mallcore.testing.strategies\n"
        "from hypothesis import given, settings, strategies as st\n"
        "from mallcore.money import Money\n"
        "@settings(max_examples=5)\n"
        "@given(st.from_type(Money))\n"
        "def check(money): assert isinstance(money, Money)\n"
        "check()\n"
        "print('ok')\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_every_registered_type_names_a_strategy_of_the_kit() -> None:
    from mallcore.testing import strategies

    assert [name for _, name in TYPE_STRATEGIES if name not in strategies.__all__] == []


@given(st.from_type(Order))
def test_from_type_gives_the_kits_orders(order: Order) -> None:
    assert order.lines


WITHOUT_ROUND_TRIP: frozenset[type] = frozenset({JobReport, OutboxEvent, RelayReport})
"""Registered types the converter does not round-trip: reports carrying exceptions, and the
outbox envelope (its event is typed ``object``; the outbox adapters store it by event kind)."""


@pytest.mark.parametrize(
    "cls", [cls for cls, _ in TYPE_STRATEGIES], ids=lambda cls: f"{cls.__module__}.{cls.__name__}"
)
@settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_from_type_draws_values_of_every_registered_type_that_round_trip(
    cls: type, data: st.DataObject
) -> None:
    value = data.draw(st.from_type(cls))

    assert isinstance(value, cls)
    if cls not in WITHOUT_ROUND_TRIP:
        assert structure(unstructure(value), cls) == value
