"""Rule files and ``mallcore quote FILE``: load, price, print, and refuse bad files clearly."""

from __future__ import annotations

import argparse
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from mallcore.errors import InvalidDocument
from mallcore.money import Money
from mallcore.pricing import Quote, Status
from mallcore.quote_report import add_quote_command, main, quote_main, render_quote
from mallcore.rules import QuoteDocument, load_quote_document
from mallcore.serialization import dumps, loads, structure, unstructure

SAMPLE = Path(__file__).parent / "data" / "singles_day.json"


def _document(**changes: object) -> dict[str, object]:
    data: dict[str, object] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def test_the_sample_rule_file_prices_the_singles_day_cart() -> None:
    document = load_quote_document(SAMPLE.read_text(encoding="utf-8"))

    priced = document.price()

    assert priced.payable == Money("397.45", "CNY")
    assert priced.coupon_ids == ("west-lake-10", "platform-30")
    assert priced.outcome("platform-9").status is Status.EXPIRED


def test_a_rule_file_round_trips_through_the_converter() -> None:
    document = load_quote_document(SAMPLE.read_text(encoding="utf-8"))

    again = loads(dumps(document), QuoteDocument)

    assert again == document


def test_a_quote_round_trips_through_the_converter() -> None:
    priced = load_quote_document(SAMPLE.read_text(encoding="utf-8")).price()

    assert structure(unstructure(priced), Quote) == priced


def test_a_bad_amount_is_reported_with_its_path() -> None:
    data = _document()
    data["promotions"][0]["tiers"][1]["threshold"]["amount"] = "four hundred"  # type: ignore[index]

    with pytest.raises(InvalidDocument) as caught:
        load_quote_document(json.dumps(data), source="singles_day.json")

    assert "$.promotions[0].tiers[1].threshold" in str(caught.value)
    assert "singles_day.json" in str(caught.value)


def test_an_unknown_rule_kind_is_reported_with_its_path() -> None:
    data = _document()
    data["promotions"][1]["kind"] = "buy_one_get_two"  # type: ignore[index]

    with pytest.raises(InvalidDocument, match=r"\$\.promotions"):
        load_quote_document(json.dumps(data))


def test_a_cart_item_missing_from_the_catalog_is_reported_with_its_path() -> None:
    data = _document(cart=[{"sku_id": "teapot", "quantity": 1}])

    with pytest.raises(InvalidDocument, match=r"\$\.cart\[0\]\.sku_id: 'teapot'"):
        load_quote_document(json.dumps(data)).price()


def _problems(data: dict[str, object]) -> str:
    with pytest.raises(InvalidDocument) as caught:
        load_quote_document(json.dumps(data)).price()
    return "\n".join(caught.value.problems)


def _set(data: dict[str, object], path: tuple[object, ...], value: object) -> dict[str, object]:
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "reported"),
    [
        (("cart", 0, "quantity"), 0, "$.cart[0].quantity: quantity: must be 1 or more (got 0)"),
        (
            ("cart", 0, "quantity"),
            "2",
            "$.cart[0].quantity: quantity: must be a whole number written without quotes (got '2')",
        ),
        (
            ("catalog", 0, "list_price", "amount"),
            "-1",
            "$.catalog[0].list_price: must not be negative",
        ),
        (
            ("catalog", 0, "list_price", "currency"),
            "USD",
            "$.catalog[0].list_price: must be in the document's currency CNY",
        ),
        (
            ("max_platform_coupons",),
            -1,
            "$.max_platform_coupons: coupons per order: must be 0 or more (got -1)",
        ),
        (
            ("usage",),
            {"double-11": -5},
            "$.usage['double-11']: count: must be a whole number, 0 or more (got -5)",
        ),
        (
            ("customer", "usage"),
            {"double-11": -1},
            "$.customer.usage['double-11']: count: must be a whole number, 0 or more (got -1)",
        ),
        (("selected",), ["nope"], "$.selected[0]: 'nope' is not a coupon of the wallet"),
    ],
)
def test_a_bad_value_is_reported_with_its_path(
    path: tuple[object, ...], value: object, reported: str
) -> None:
    data = _set(_document(), path, value)

    assert reported in _problems(data)


def test_two_rules_with_one_id_are_reported_with_both_paths() -> None:
    data = _document()
    data["promotions"].append(dict(data["promotions"][0]))  # type: ignore[attr-defined,index]

    problems = _problems(data)

    assert "$.promotions[0].id: 'double-11' is also the id of $.promotions[3]" in problems


def test_two_cart_items_with_one_line_id_are_reported_with_both_paths() -> None:
    data = _document()
    for item in data["cart"]:  # type: ignore[attr-defined]
        item["line_id"] = "x"

    problems = _problems(data)

    assert "$.cart[1].line_id: 'x' is also the line of $.cart[0]" in problems


def test_a_sale_price_above_the_list_price_is_accepted_as_the_catalog_allows_it() -> None:
    data = _set(_document(), ("catalog", 0, "sale_price"), {"amount": "130", "currency": "CNY"})

    priced = load_quote_document(json.dumps(data)).price()

    assert priced.line("1").regular_price == Money("130.00", "CNY")


def test_the_command_prints_lines_totals_and_every_rule() -> None:
    out, err = io.StringIO(), io.StringIO()

    status = quote_main(str(SAMPLE), out=out, err=err)

    assert status == 0
    text = out.getvalue()
    assert "Payable:                397.45" in text
    assert re.search(r"platform-9 +percent_off_coupon +expired", text)
    assert re.search(r"free-shipping +shipping_coupon +handed_on", text)


def test_the_command_prints_json_the_converter_reads_back() -> None:
    out = io.StringIO()

    status = quote_main(str(SAMPLE), as_json=True, out=out, err=io.StringIO())

    assert status == 0
    assert loads(out.getvalue(), Quote).payable == Money("397.45", "CNY")


def test_the_command_reports_a_bad_file_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"now": "yesterday"}', encoding="utf-8")
    err = io.StringIO()

    status = quote_main(str(bad), out=io.StringIO(), err=err)

    assert status == 2
    assert "$.now" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_the_command_reports_a_missing_file(tmp_path: Path) -> None:
    err = io.StringIO()

    status = quote_main(str(tmp_path / "nowhere.json"), out=io.StringIO(), err=err)

    assert status == 2
    assert "cannot read" in err.getvalue()


def test_the_text_shows_each_lines_discounts() -> None:
    priced = load_quote_document(SAMPLE.read_text(encoding="utf-8")).price()

    text = render_quote(priced)

    assert "second-half              -60.80" in text


def test_the_example_in_the_format_docs_is_the_file_the_tests_price() -> None:
    page = (Path(__file__).parents[2] / "docs" / "rules-format.md").read_text(encoding="utf-8")
    shown = page.split("```json\n", 1)[1].split("```", 1)[0]

    assert json.loads(shown) == json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_the_quote_subcommand_parses_its_file_and_json_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = argparse.ArgumentParser(prog="mallcore")
    add_quote_command(parser.add_subparsers())
    args = parser.parse_args(["quote", str(SAMPLE), "--json"])

    status = args.run(args)

    assert status == 0
    assert loads(capsys.readouterr().out, Quote).payable == Money("397.45", "CNY")


def test_the_module_runs_as_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    status = main([str(SAMPLE)])

    assert status == 0
    assert "Payable:                397.45" in capsys.readouterr().out
