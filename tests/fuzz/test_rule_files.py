"""Fuzz target: the rule-file loader and ``mallcore quote FILE`` never give a traceback.

Any byte string ends in a priced quote or a named mallcore error (exit 0 or 2):
random bytes, random JSON, the shipped examples and the kit's documents
mutated (tests/fuzz/hostile.py). Every input that once escaped is kept as an
``@example``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mallcore.errors import InvalidDocument
from mallcore.rules import load_quote_document
from mallcore.serialization import unstructure
from mallcore.testing.strategies import quote_documents
from tests.fuzz.hostile import Tally, fuzz_settings, json_values, mutated, replace

DATA = Path(__file__).parent.parent / "pricing" / "data"
SHIPPED = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in DATA.glob("*.json")}
TALLY = Tally("rule-file loader")
FUZZ = fuzz_settings(300)


def _load_and_price(text: str | bytes) -> None:
    TALLY.run(lambda: load_quote_document(text, source="fuzz.json").price(source="fuzz.json"))


@FUZZ
@given(st.binary(max_size=200))
@example(b"\xff\xfe")
@example(b"[" * 100_000 + b"]" * 100_000)
@example(b'{"cart": ' + b"1" * 5000 + b"}")
def test_any_bytes_load_or_are_refused_by_name(data: bytes) -> None:
    _load_and_price(data)


@FUZZ
@given(json_values(max_leaves=20))
@example([])
def test_any_json_value_loads_or_is_refused_by_name(value: Any) -> None:
    _load_and_price(json.dumps(value))


@FUZZ
@given(st.sampled_from(sorted(SHIPPED)).flatmap(lambda name: mutated(SHIPPED[name])))
def test_a_mutated_shipped_example_prices_or_is_refused_by_name(document: Any) -> None:
    _load_and_price(json.dumps(document))


@FUZZ
@given(quote_documents().flatmap(lambda document: mutated(unstructure(document))))
def test_a_mutated_kit_document_prices_or_is_refused_by_name(document: Any) -> None:
    _load_and_price(json.dumps(document))


ESCAPES = [
    ("singles_day.json", ("customer", "wallet", 1, "valid_days"), 1e9),
    ("singles_day.json", ("customer", "wallet", 1, "valid_days"), 2**63),
    ("singles_day.json", ("customer", "wallet", 1, "percent_off"), "NaN"),
    ("singles_day.json", ("promotions", 1, "percent_off"), "-Infinity"),
    ("singles_day.json", ("cart", 0, "quantity"), 10**30),
    ("singles_day.json", ("cart", 0, "quantity"), 2**63),
    ("singles_day.json", ("cart", 0, "quantity"), 10**8),
    ("singles_day.json", ("cart", 0, "quantity"), 10**6),
    ("freight.json", ("cart", 0, "quantity"), 10**6),
    ("freight.json", ("shipping", "templates", 0, "default", "step"), "1E-999999"),
    ("freight.json", ("shipping", "templates", 0, "default", "first"), "1E+999999"),
    ("freight.json", ("catalog", 0, "weight"), "1E+19"),
    ("points.json", ("points", "policy", "max_share"), "sNaN"),
    ("membership.json", ("tiers", "tiers", 1, "benefits", "points_multiplier"), "1E+999999"),
]
"""The inputs issue 14 found escaping (and their neighbours): each must be refused by name."""


@pytest.mark.parametrize(("name", "path", "value"), ESCAPES)
def test_an_input_that_once_escaped_is_refused_by_name(
    name: str, path: tuple[Any, ...], value: object
) -> None:
    document = replace(SHIPPED[name], path, lambda _: value)

    with pytest.raises(InvalidDocument) as refused:
        load_quote_document(json.dumps(document)).price()

    # a value its class refuses is named by the class's path, then the field
    where = rf"{re.escape(_json_path(path))}:|{re.escape(_json_path(path[:-1]))}: {path[-1]}:"
    assert re.search(where, str(refused.value))


def _json_path(path: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path)


def test_a_catalog_entry_naming_no_template_of_the_shipping_set_up_is_refused_by_its_path() -> None:
    document = replace(SHIPPED["freight.json"], ("catalog", 0, "freight_template"), lambda _: "x")

    with pytest.raises(InvalidDocument, match=r"\$\.catalog\[0\]\.freight_template: 'x' is not"):
        load_quote_document(json.dumps(document)).price()
