"""Statement readers: the canonical CSV and the WeChat Pay trade bill (微信支付交易账单).

Both implement :class:`~mallcore.ports.StatementReader`; docs/reconciliation.md
shows each format with a sample.

**Canonical CSV** (:class:`CanonicalCsvReader`): UTF-8, one header row naming
the columns ``transaction_id, order_id, amount, status, refund_id,
refund_amount, fee, time`` in any order, then one row per movement. A row
with an empty ``refund_id`` is a payment of ``amount``; a row with one is a
refund of ``refund_amount`` from payment ``transaction_id`` (its ``amount``,
the payment's, is not read). ``status`` is ``succeeded``, ``pending``,
``failed`` or ``reversed``; ``fee`` is a signed decimal or empty; ``time``
is ISO 8601 with its offset (``2026-12-03T23:59:58+08:00``). Amounts are
decimals in the reader's currency (CNY unless told).

**WeChat Pay trade bill** (:class:`WeChatPayTradeBillReader`), the file
``GET /v3/bill/tradebill`` leads to (and the v2 ``downloadbill``), of type
ALL, SUCCESS or REFUND: UTF-8, comma-separated; a header row
(``交易时间,公众账号ID,商户号,...``), the detail rows with every field
prefixed by a backtick (`````, so that spreadsheets keep long numbers
whole), then a summary header (``总交易单数,应结订单总金额,...``) and one
summary row, also backticked. Columns are found by name, since the three
bill types differ. What the reader takes:

- 交易时间: when a payment succeeded or a refund was accepted (not when the
  refund arrived), ``yyyy-MM-dd HH:mm:ss`` Beijing time (UTC+8);
- 微信订单号 the transaction id, 商户订单号 the order id, 货币种类;
- 交易状态 ``SUCCESS`` a payment, ``REVOKED`` a payment reversed (撤销),
  ``REFUND`` a refund, whose 商户退款单号 is the refund id and 退款状态
  (``SUCCESS``, ``PROCESSING``; ``REFUNDCLOSE``, ``CHANGE``, ``ABNORMAL``
  or ``FAIL`` count as failed) its status;
- 订单金额 a payment's amount and 申请退款金额 a refund's: what mallcore asked
  for, before WeChat's own coupons (应结订单金额 and 退款金额 leave them out);
- 手续费 the fee.

The summary's 总交易单数 must count the detail rows, and a bill without a
summary is taken as cut short: either is reported as a malformed row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Final

from mallcore._fields import identifier
from mallcore.errors import InvalidDocument, InvalidValue, MallcoreError
from mallcore.money import Money
from mallcore.reconciliation import (
    MalformedRow,
    MovementKind,
    MovementStatus,
    Statement,
    StatementEntry,
)

__all__ = ["CANONICAL_COLUMNS", "CanonicalCsvReader", "WeChatPayTradeBillReader"]

CANONICAL_COLUMNS: Final = (
    "transaction_id",
    "order_id",
    "amount",
    "status",
    "refund_id",
    "refund_amount",
    "fee",
    "time",
)
"""The columns of the canonical statement CSV, in the order mallcore writes them."""

_BEIJING: Final = timezone(timedelta(hours=8))
"""The zone of WeChat Pay's bill times: China Standard Time, UTC+8 all year."""


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidDocument(source, [f"byte {exc.start}: not UTF-8 text"]) from exc


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows of a CSV text with their line numbers (from 1)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]


def _read_rows(
    rows: Sequence[tuple[int, list[str]]],
    header: Sequence[str],
    read: Callable[[Mapping[str, str], int], StatementEntry],
) -> tuple[list[StatementEntry], list[MalformedRow]]:
    """Read each row with ``read``; a row that raises becomes a MalformedRow saying why."""
    entries: list[StatementEntry] = []
    malformed: list[MalformedRow] = []
    for line, row in rows:
        text = ",".join(row)
        if len(row) != len(header):
            reason = f"has {len(row)} fields, the header has {len(header)}"
            malformed.append(MalformedRow(line=line, text=text, reason=reason))
            continue
        try:
            entries.append(read(dict(zip(header, row, strict=True)), line))
        except (MallcoreError, ValueError) as exc:
            malformed.append(MalformedRow(line=line, text=text, reason=str(exc)))
    return entries, malformed


def _money(field: str, value: str, currency: str) -> Money:
    if not value:
        raise InvalidValue(field, value, "is required")
    return Money(value, currency)


class CanonicalCsvReader:
    """Reads the canonical statement CSV (module docstring), amounts in ``currency``."""

    def __init__(self, *, currency: str = "CNY") -> None:
        self._currency = currency

    def read(self, data: bytes, *, source: str = "statement") -> Statement:
        """Read a canonical CSV statement (see :class:`~mallcore.ports.StatementReader`)."""
        rows = _rows(_text(data, source))
        header = [cell.strip() for cell in rows[0][1]] if rows else []
        missing = [column for column in CANONICAL_COLUMNS if column not in header]
        if missing:
            raise InvalidDocument(
                source, [f"line 1: not a canonical statement: no column {', '.join(missing)}"]
            )
        entries, malformed = _read_rows(rows[1:], header, self._entry)
        return Statement(entries=entries, malformed=malformed)

    def _entry(self, row: Mapping[str, str], line: int) -> StatementEntry:
        refund_id = row["refund_id"].strip() or None
        kind = MovementKind.PAYMENT if refund_id is None else MovementKind.REFUND
        amount_field = "amount" if refund_id is None else "refund_amount"
        status = row["status"].strip()
        try:
            moved = MovementStatus(status)
        except ValueError:
            known = ", ".join(member.value for member in MovementStatus)
            raise InvalidValue("status", status, f"must be one of {known}") from None
        moment = datetime.fromisoformat(row["time"].strip())
        if moment.utcoffset() is None:
            raise InvalidValue("time", row["time"], "must carry a UTC offset, e.g. +08:00")
        fee = row["fee"].strip()
        return StatementEntry(
            kind=kind,
            transaction_id=identifier("transaction_id", row["transaction_id"]),
            order_id=identifier("order_id", row["order_id"]),
            amount=_money(amount_field, row[amount_field].strip(), self._currency),
            status=moved,
            at=moment,
            refund_id=refund_id,
            fee=Money(fee, self._currency) if fee else None,
            line=line,
        )


_TRADE_STATUS: Final = {
    "SUCCESS": (MovementKind.PAYMENT, MovementStatus.SUCCEEDED),
    "REVOKED": (MovementKind.PAYMENT, MovementStatus.REVERSED),
}
_REFUND_STATUS: Final = {
    "SUCCESS": MovementStatus.SUCCEEDED,
    "PROCESSING": MovementStatus.PENDING,
    "REFUNDCLOSE": MovementStatus.FAILED,
    "CHANGE": MovementStatus.FAILED,
    "ABNORMAL": MovementStatus.FAILED,
    "FAIL": MovementStatus.FAILED,
}
_WECHAT_COLUMNS: Final = (
    "交易时间",
    "微信订单号",
    "商户订单号",
    "交易状态",
    "货币种类",
    "订单金额",
)
_SUMMARY: Final = "总交易单数"


def _unquote(cell: str) -> str:
    """A bill field without its leading backtick and surrounding spaces."""
    return cell.strip().removeprefix("`").strip()


def _column(row: Mapping[str, str], name: str) -> str:
    if name not in row:
        raise InvalidValue(name, None, "this bill has no such column")
    return row[name]


class WeChatPayTradeBillReader:
    """Reads a WeChat Pay trade bill (交易账单) of type ALL, SUCCESS or REFUND."""

    def read(self, data: bytes, *, source: str = "statement") -> Statement:
        """Read a trade bill (see :class:`~mallcore.ports.StatementReader`)."""
        rows = [
            (line, [_unquote(cell) for cell in row]) for line, row in _rows(_text(data, source))
        ]
        header = rows[0][1] if rows else []
        missing = [column for column in _WECHAT_COLUMNS if column not in header]
        if missing:
            raise InvalidDocument(
                source, [f"line 1: not a WeChat Pay trade bill: no column {', '.join(missing)}"]
            )
        details = rows[1:]
        summary = next((i for i, (_, row) in enumerate(details) if row[0] == _SUMMARY), None)
        if summary is not None:
            details, summary_rows = details[:summary], details[summary:]
        entries, malformed = _read_rows(details, header, self._entry)
        if summary is None:
            line = rows[-1][0]
            reason = f"no summary ({_SUMMARY}) after the last row: the bill may be cut short"
            malformed.append(MalformedRow(line=line, text="", reason=reason))
        else:
            malformed += self._check_summary(summary_rows, len(details))
        return Statement(entries=entries, malformed=malformed)

    @staticmethod
    def _check_summary(rows: Sequence[tuple[int, list[str]]], count: int) -> list[MalformedRow]:
        """The summary's transaction count against the detail rows."""
        line, text = rows[0][0], ",".join(rows[0][1])
        if len(rows) < 2:
            return [MalformedRow(line=line, text=text, reason="the summary has no values row")]
        line, values = rows[1]
        stated = values[0]
        if stated != str(count):
            reason = f"the summary counts {stated!r} transactions, the bill lists {count}"
            return [MalformedRow(line=line, text=",".join(values), reason=reason)]
        return []

    @staticmethod
    def _entry(row: Mapping[str, str], line: int) -> StatementEntry:
        trade_status = row["交易状态"]
        currency = row["货币种类"]
        refund_id: str | None = None
        if trade_status == "REFUND":
            kind = MovementKind.REFUND
            refund_id = identifier("商户退款单号", _column(row, "商户退款单号"))
            refund_status = _column(row, "退款状态")
            if refund_status not in _REFUND_STATUS:
                raise InvalidValue("退款状态", refund_status, "is not a refund status")
            status = _REFUND_STATUS[refund_status]
            amount = _money("申请退款金额", _column(row, "申请退款金额"), currency)
        elif trade_status in _TRADE_STATUS:
            kind, status = _TRADE_STATUS[trade_status]
            amount = _money("订单金额", row["订单金额"], currency)
        else:
            raise InvalidValue("交易状态", trade_status, "must be SUCCESS, REFUND or REVOKED")
        try:
            moment = datetime.strptime(row["交易时间"], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise InvalidValue("交易时间", row["交易时间"], "must be yyyy-MM-dd HH:mm:ss") from None
        fee = row.get("手续费", "")
        return StatementEntry(
            kind=kind,
            transaction_id=identifier("微信订单号", row["微信订单号"]),
            order_id=identifier("商户订单号", row["商户订单号"]),
            amount=amount,
            status=status,
            at=moment.replace(tzinfo=_BEIJING),
            refund_id=refund_id,
            fee=Money(fee, currency) if fee else None,
            line=line,
        )
