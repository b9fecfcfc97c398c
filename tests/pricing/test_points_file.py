"""Points in rule files: the redemption offer and the earning policy, by ``mallcore quote``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mallcore.errors import InvalidDocument
from mallcore.money import Money
from mallcore.quote_report import quote_main
from mallcore.rules import load_quote_document

POINTS = Path(__file__).parent / "data" / "points.json"


def test_a_rule_file_with_points_spends_them_in_whole_steps_and_previews_the_earning() -> None:
    priced = load_quote_document(POINTS.read_text(encoding="utf-8")).price()

    assert priced.points is not None
    assert (priced.points.points, priced.points.amount) == (1200, Money("12.00", "CNY"))
    assert priced.payable == Money("182.00", "CNY")
    assert priced.points_earned is not None
    assert priced.points_earned.points == 182


def test_mallcore_quote_shows_the_points_used_and_earned() -> None:
    out, err = io.StringIO(), io.StringIO()

    status = quote_main(str(POINTS), out=out, err=err)

    assert status == 0, err.getvalue()
    assert "Points used:            1200 (-12.00)" in out.getvalue()
    assert "Points earned:          182" in out.getvalue()


def test_a_bad_points_field_is_reported_under_its_path() -> None:
    document = json.loads(POINTS.read_text(encoding="utf-8"))
    document["points"]["available"] = -5

    with pytest.raises(InvalidDocument) as refused:
        load_quote_document(json.dumps(document), source="points.json")

    assert refused.value.problems == (
        "$.points: available: must be a whole number of points, not negative (got -5)",
    )
