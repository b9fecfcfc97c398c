"""``mallcore reconcile``: the report, ``--json``, and the exit status for each outcome."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from mallcore.cli import main
from mallcore.reconcile_report import reconcile_main

DATA = Path(__file__).parent / "adapters" / "data"
BILL = str(DATA / "wechatpay-tradebill-all-2026-12-03.csv")
CANONICAL = str(DATA / "canonical-statement-2026-12-03.csv")
RECORDED = str(DATA / "recorded-2026-12-03.json")
DAY_AND_RECORDED = ("--date", "2026-12-03", "--recorded", RECORDED)


def run(statement: str, *options: str, recorded: str = RECORDED) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["reconcile", statement, "--date", "2026-12-03", "--recorded", recorded, *options]
    with redirect_stdout(out), redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def test_the_sample_bill_balances_with_one_timing_difference_and_exits_zero() -> None:
    status, out, err = run(BILL)

    assert (status, err) == (0, "")
    assert out.splitlines()[0] == (
        "Reconciliation of 2026-12-03 (Asia/Shanghai: 2026-12-03T00:00:00+08:00 to "
        "2026-12-04T00:00:00+08:00, tolerance 0:15:00)"
    )
    assert "  statement       6       346.00        99.88       1.43" in out
    assert "  recorded        5       321.00        99.88          -" in out
    assert "Matched: 5\nDiscrepancies: 0\nTiming differences: 1\n" in out
    assert "  timing_difference      payment '4200002701202612032359580004' is on" in out
    assert out.endswith("Balanced.\n")


def test_the_canonical_csv_of_the_same_day_gives_the_same_report() -> None:
    assert run(CANONICAL) == run(BILL)


def test_discrepancies_exit_one_and_are_listed(tmp_path: Path) -> None:
    records = json.loads(Path(RECORDED).read_text(encoding="utf-8"))
    records[1]["amount"]["amount"] = "34.00"
    del records[2]
    recorded = tmp_path / "recorded.json"
    recorded.write_text(json.dumps(records), encoding="utf-8")

    status, out, _ = run(BILL, recorded=str(recorded))

    assert status == 1
    assert "  amount_mismatch        payment '4200002701202612031031050002' is 43.00 CNY" in out
    assert "  missing_record         payment '4200002701202612031402470003' at" in out
    assert out.endswith("Not balanced: 2 discrepancies to look at.\n")


def test_json_gives_the_reconciliation_its_verdict_and_its_events() -> None:
    status, out, _ = run(BILL, "--json")

    document = json.loads(out)
    assert status == 0
    assert document["balanced"] is True
    assert document["reconciliation"]["zone"] == "Asia/Shanghai"
    assert document["reconciliation"]["tolerance"] == "900"
    assert document["reconciliation"]["findings"][0]["kind"] == "timing_difference"
    assert document["events"] == [
        {
            "day": "2026-12-03",
            "matched": 5,
            "discrepancies": 0,
            "timing_differences": 1,
            "kind": "statement_reconciled",
        }
    ]


def test_a_tighter_tolerance_turns_the_midnight_pair_into_missing_on_both_days() -> None:
    status, out, _ = run(BILL, "--tolerance", "0.01")

    assert status == 1
    assert "missing_record" in out


def test_the_recorded_side_may_be_a_csv_in_the_canonical_columns() -> None:
    assert run(BILL, recorded=CANONICAL)[0] == 0


def test_a_malformed_statement_row_is_a_finding_that_exits_one(tmp_path: Path) -> None:
    text = Path(CANONICAL).read_text(encoding="utf-8").replace("88.00", "88.0O")
    statement = tmp_path / "statement.csv"
    statement.write_text(text, encoding="utf-8")

    status, out, err = run(str(statement))

    assert (status, err) == (1, "")
    assert "  malformed_row          Money.amount: is not a decimal number (got '88.0O')" in out
    assert "  missing_from_statement payment '4200002701202612031402470003'" in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--date", "3 Dec"],
            "mallcore reconcile: --date '3 Dec' is not a date such as 2026-12-03",
        ),
        (["--zone", "Mars/Olympus"], "mallcore reconcile: --zone 'Mars/Olympus' is not an IANA"),
        (["--tolerance", "-1"], "mallcore reconcile: --tolerance -1.0 must not be negative"),
        (["--format", "wechatpay"], "mallcore reconcile: "),
    ],
    ids=["date", "zone", "tolerance", "wrong format"],
)
def test_a_bad_option_exits_two_with_a_message(options: list[str], message: str) -> None:
    status, out, err = run(CANONICAL, *options)

    assert (status, out) == (2, "")
    assert err.startswith(message)


def test_a_statement_that_is_not_one_exits_two_naming_the_file() -> None:
    status, _, err = run(RECORDED, "--format", "canonical")

    assert status == 2
    assert err.startswith(f"mallcore reconcile: {RECORDED} is not valid:\n  line 1:")


def test_a_missing_file_exits_two() -> None:
    status, _, err = run("no-such-bill.csv")

    assert status == 2
    assert "mallcore reconcile: cannot read" in err
    assert "no-such-bill.csv" in err


def test_a_recorded_file_that_does_not_load_exits_two_naming_the_bad_field(
    tmp_path: Path,
) -> None:
    recorded = tmp_path / "recorded.json"
    recorded.write_text('[{"kind": "payment"}]', encoding="utf-8")

    status, _, err = run(BILL, recorded=str(recorded))

    assert status == 2
    assert err.startswith(f"mallcore reconcile: {recorded} is not valid:")


def test_reconcile_main_writes_to_the_streams_it_is_given() -> None:
    out, err = io.StringIO(), io.StringIO()

    status = reconcile_main(BILL, day="2026-12-03", recorded=RECORDED, out=out, err=err)

    assert status == 0
    assert out.getvalue().endswith("Balanced.\n")


def test_python_dash_m_mallcore_reconcile_runs_as_a_user_runs_it() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mallcore",
            "reconcile",
            BILL,
            "--date",
            "2026-12-03",
            "--recorded",
            RECORDED,
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")
