"""The statement readers: the WeChat Pay trade bill and the canonical CSV, as their samples show.

The samples are in tests/adapters/data (its README says where their layout
comes from).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mallcore.adapters import CanonicalCsvReader, WeChatPayTradeBillReader
from mallcore.errors import InvalidDocument
from mallcore.money import Money
from mallcore.ports import StatementReader
from mallcore.reconciliation import MovementKind, MovementStatus, StatementEntry
from mallcore.testing.contracts import StatementReaderContract

DATA = Path(__file__).parent / "data"
BILL = (DATA / "wechatpay-tradebill-all-2026-12-03.csv").read_bytes()
CANONICAL = (DATA / "canonical-statement-2026-12-03.csv").read_bytes()
BEIJING = timezone(timedelta(hours=8))
CANONICAL_HEADER = "transaction_id,order_id,amount,status,refund_id,refund_amount,fee,time\n"


def bill_with(*lines: str, count: int | None = None) -> bytes:
    """The sample bill's header, the given detail lines and a summary counting them."""
    header, *_ = BILL.decode().splitlines()
    summary = BILL.decode().splitlines()[-2]
    counted = len(lines) if count is None else count
    values = f"`{counted},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00"
    return "\n".join([header, *lines, summary, values]).encode()


def sample_line(number: int) -> str:
    """Detail line ``number`` of the sample bill (1 is the first after the header)."""
    return BILL.decode().splitlines()[number]


def test_the_sample_trade_bill_reads_as_six_movements_and_nothing_malformed() -> None:
    statement = WeChatPayTradeBillReader().read(BILL)

    assert statement.malformed == ()
    assert [
        (e.kind.value, e.key, str(e.amount.amount), e.status.value) for e in statement.entries
    ] == [
        ("payment", "4200002701202612030004120001", "190.00", "succeeded"),
        ("payment", "4200002701202612031031050002", "43.00", "succeeded"),
        ("payment", "4200002701202612031402470003", "88.00", "succeeded"),
        ("refund", "O-1002-RMA-1", "43.00", "succeeded"),
        ("refund", "O-1001-RMA-1", "56.88", "pending"),
        ("payment", "4200002701202612032359580004", "25.00", "reversed"),
    ]


def test_a_bill_row_keeps_its_ids_beijing_time_fee_and_line() -> None:
    refund = WeChatPayTradeBillReader().read(BILL).entries[3]

    assert refund == StatementEntry(
        kind=MovementKind.REFUND,
        transaction_id="4200002701202612031031050002",
        order_id="O-1002",
        amount=Money("43.00", "CNY"),
        status=MovementStatus.SUCCEEDED,
        at=datetime(2026, 12, 3, 16, 20, tzinfo=BEIJING),
        refund_id="O-1002-RMA-1",
        fee=Money("-0.26", "CNY"),
        line=5,
    )


def test_a_payment_takes_the_order_amount_before_wechats_coupon() -> None:
    teapot = WeChatPayTradeBillReader().read(BILL).entries[2]

    assert teapot.amount == Money("88.00", "CNY")


def test_the_bill_and_the_canonical_csv_of_one_day_read_alike() -> None:
    assert WeChatPayTradeBillReader().read(BILL) == CanonicalCsvReader().read(CANONICAL)


def test_a_bill_row_with_an_unknown_trade_status_is_malformed_and_the_rest_still_read() -> None:
    broken = sample_line(2).replace("`SUCCESS", "`CLOSED")

    statement = WeChatPayTradeBillReader().read(bill_with(sample_line(1), broken, sample_line(3)))

    assert len(statement.entries) == 2
    (row,) = statement.malformed
    assert row.line == 3
    assert row.reason == "交易状态: must be SUCCESS, REFUND or REVOKED (got 'CLOSED')"


def test_a_bill_row_with_a_bad_amount_or_time_or_field_count_is_malformed() -> None:
    bad_amount = (
        sample_line(1)
        .replace("`190.00,`0.00,`", "`1.9x,`0.00,`", 1)
        .replace(",`190.00,", ",`19o.00,")
    )
    bad_time = sample_line(2).replace("`2026-12-03 10:31:05", "`2026/12/03 10:31")
    short = ",".join(sample_line(3).split(",")[:10])

    statement = WeChatPayTradeBillReader().read(bill_with(bad_amount, bad_time, short))

    assert [(row.line, row.reason) for row in statement.malformed] == [
        (2, "Money.amount: is not a decimal number (got '19o.00')"),
        (3, "交易时间: must be yyyy-MM-dd HH:mm:ss (got '2026/12/03 10:31')"),
        (4, "has 10 fields, the header has 27"),
    ]


def test_a_summary_that_miscounts_the_rows_is_reported() -> None:
    statement = WeChatPayTradeBillReader().read(bill_with(sample_line(1), count=2))

    (row,) = statement.malformed
    assert row.reason == "the summary counts '2' transactions, the bill lists 1"


def test_a_bill_cut_short_before_its_summary_is_reported() -> None:
    cut = b"\n".join(BILL.splitlines()[:4])

    statement = WeChatPayTradeBillReader().read(cut)

    assert len(statement.entries) == 3
    (row,) = statement.malformed
    assert row.line == 4
    assert "no summary (总交易单数)" in row.reason


def test_a_refund_in_a_bill_without_refund_columns_is_malformed() -> None:
    header = "交易时间,微信订单号,商户订单号,交易状态,货币种类,订单金额,手续费"
    line = "`2026-12-03 16:20:00,`4200,`O-1,`REFUND,`CNY,`0.00,`0.00"

    statement = WeChatPayTradeBillReader().read(f"{header}\n{line}\n总交易单数\n`1".encode())

    (row,) = statement.malformed
    assert row.reason == "商户退款单号: this bill has no such column (got None)"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "line 1: not a WeChat Pay trade bill: no column 交易时间, 微信订单号"),
        (CANONICAL, "line 1: not a WeChat Pay trade bill: no column 交易时间, 微信订单号"),
        (b"\xff\xfe", "byte 0: not UTF-8 text"),
    ],
    ids=["empty", "canonical", "not utf-8"],
)
def test_a_file_that_is_not_a_trade_bill_is_an_invalid_document(data: bytes, problem: str) -> None:
    with pytest.raises(InvalidDocument) as raised:
        WeChatPayTradeBillReader().read(data, source="bill.csv")

    assert raised.value.source == "bill.csv"
    assert raised.value.problems[0].startswith(problem)


def test_the_canonical_csv_finds_its_columns_by_name() -> None:
    data = (
        b"time,status,fee,refund_amount,refund_id,amount,order_id,transaction_id\n"
        b"2026-12-03T10:00:00+08:00,succeeded,,,,12.30,O-1,4200\n"
    )

    (entry,) = CanonicalCsvReader().read(data).entries

    assert (entry.key, entry.amount, entry.fee) == ("4200", Money("12.30", "CNY"), None)


def test_the_canonical_csv_reads_amounts_in_the_currency_it_is_given() -> None:
    data = (CANONICAL_HEADER + "4200,O-1,1200,succeeded,,,,2026-12-03T10:00:00+09:00\n").encode()

    (entry,) = CanonicalCsvReader(currency="JPY").read(data).entries

    assert entry.amount == Money("1200", "JPY")


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            "4200,O-1,12.30,succeeded,,,,2026-12-03T10:00:00",
            "time: must carry a UTC offset, e.g. +08:00 (got '2026-12-03T10:00:00')",
        ),
        (
            "4200,O-1,12.30,paid,,,,2026-12-03T10:00:00+08:00",
            "status: must be one of succeeded, pending, failed, reversed (got 'paid')",
        ),
        (
            "4200,O-1,12.30,succeeded,R-1,,,2026-12-03T10:00:00+08:00",
            "refund_amount: is required (got '')",
        ),
        (
            ",O-1,12.30,succeeded,,,,2026-12-03T10:00:00+08:00",
            "transaction_id: must not be empty (got '')",
        ),
        (
            "4200,O-1,12.345,succeeded,,,,2026-12-03T10:00:00+08:00",
            "Money.amount: must be a whole number of CNY minor units (2 decimal places) "
            "(got Decimal('12.345'))",
        ),
    ],
    ids=["naive time", "unknown status", "refund without amount", "no id", "sub-cent"],
)
def test_a_canonical_row_that_breaks_a_rule_is_malformed_with_the_reason(
    row: str, reason: str
) -> None:
    data = (CANONICAL_HEADER + row + "\n").encode()

    statement = CanonicalCsvReader().read(data)

    assert statement.entries == ()
    (malformed,) = statement.malformed
    assert (malformed.line, malformed.text, malformed.reason) == (2, row, reason)


def test_a_csv_without_the_canonical_columns_is_an_invalid_document() -> None:
    with pytest.raises(InvalidDocument, match="no column refund_id, refund_amount, fee"):
        CanonicalCsvReader().read(b"transaction_id,order_id,amount,status,time\n")


class TestWeChatPayTradeBillReader(StatementReaderContract):
    @pytest.fixture
    def reader(self) -> StatementReader:
        return WeChatPayTradeBillReader()

    @pytest.fixture
    def sample(self) -> bytes:
        return BILL


class TestCanonicalCsvReader(StatementReaderContract):
    @pytest.fixture
    def reader(self) -> StatementReader:
        return CanonicalCsvReader()

    @pytest.fixture
    def sample(self) -> bytes:
        return CANONICAL
