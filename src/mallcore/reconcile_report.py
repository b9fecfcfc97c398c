"""``mallcore reconcile STATEMENT --date D --recorded FILE``: a day's statement against the records.

The command reads a provider's statement (the canonical CSV or a WeChat Pay
trade bill, told apart by the header unless ``--format`` says), reads what
mallcore recorded from ``--recorded`` (a JSON list of
:class:`~mallcore.reconciliation.RecordedMovement`, or a CSV in the
canonical statement's columns), reconciles the day ``--date`` in the
merchant's time zone ``--zone`` and prints a report for people, or with
``--json`` the reconciliation, whether it balanced, and its events.

Exit status: 0 when the day balanced (no finding but timing differences),
1 when there are discrepancies (malformed statement rows included), 2 for
bad input (a file that cannot be read or is not a statement, a bad option,
a recorded file that does not load); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mallcore.adapters.statements import (
    CANONICAL_COLUMNS,
    CanonicalCsvReader,
    WeChatPayTradeBillReader,
)
from mallcore.errors import InvalidDocument, MallcoreError
from mallcore.ports import StatementReader
from mallcore.reconciliation import (
    DEFAULT_TOLERANCE,
    Reconciliation,
    ReconciliationEvent,
    RecordedMovement,
    Totals,
    reconcile,
)
from mallcore.serialization import converter, structure

__all__ = ["add_reconcile_command", "reconcile_main", "render_reconciliation"]

FORMATS: Final = ("auto", "canonical", "wechatpay")
"""The statement formats ``--format`` names; ``auto`` tells them apart by the header."""
DEFAULT_ZONE: Final = "Asia/Shanghai"
"""The merchant's time zone unless ``--zone`` says otherwise."""
_DESCRIPTION: Final = """\
Compare a payment provider's statement of one day (the canonical CSV or a
WeChat Pay trade bill) with what mallcore recorded, the day taken in the
merchant's time zone. docs/reconciliation.md describes the formats, the
findings and the JSON.

exit status: 0 balanced (timing differences allowed), 1 discrepancies found
(malformed statement rows included), 2 bad input."""


def _reader(data: bytes, name: str, currency: str) -> StatementReader:
    if name == "auto":
        head = data.decode("utf-8-sig", errors="replace").lstrip()
        name = "wechatpay" if head.startswith("交易时间") else "canonical"
    if name == "wechatpay":
        return WeChatPayTradeBillReader()
    return CanonicalCsvReader(currency=currency)


def _recorded(path: str, text: str, currency: str) -> tuple[RecordedMovement, ...]:
    """The recorded side: a JSON list of movements, or a canonical CSV (fees not read)."""
    if not path.endswith(".csv"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidDocument(
                path, [f"line {exc.lineno} column {exc.colno}: {exc.msg}"]
            ) from exc
        return structure(data, tuple[RecordedMovement, ...], source=path)
    statement = CanonicalCsvReader(currency=currency).read(text.encode(), source=path)
    if statement.malformed:
        raise InvalidDocument(
            path, [f"line {row.line}: {row.reason}" for row in statement.malformed]
        )
    return tuple(
        RecordedMovement(
            kind=entry.kind,
            transaction_id=entry.transaction_id,
            order_id=entry.order_id,
            amount=entry.amount,
            status=entry.status,
            at=entry.at,
            refund_id=entry.refund_id,
        )
        for entry in statement.entries
    )


def _totals_row(side: str, totals: Totals) -> str:
    fees = "-" if totals.fees is None else str(totals.fees.amount)
    return (
        f"  {side:<10} {totals.count:>6} {totals.payments.amount:>12} "
        f"{totals.refunds.amount:>12} {fees:>10}"
    )


def render_reconciliation(result: Reconciliation, *, zone_name: str) -> str:
    """The reconciliation as text: the day, the totals of each side, every finding, the verdict."""
    discrepancies = len(result.discrepancies)
    timing = len(result.findings) - discrepancies
    rows = [
        f"Reconciliation of {result.day.isoformat()} ({zone_name}: "
        f"{result.starts_at.isoformat()} to {result.ends_at.isoformat()}, "
        f"tolerance {result.tolerance})",
        "",
        f"  {'':<10} {'count':>6} {'payments':>12} {'refunds':>12} {'fees':>10}",
        _totals_row("statement", result.statement),
        _totals_row("recorded", result.recorded),
        "",
        f"Matched: {result.matched}",
        f"Discrepancies: {discrepancies}",
        f"Timing differences: {timing}",
    ]
    if result.findings:
        rows += ["", "Findings:"]
        rows.extend(f"  {finding.kind.value:<22} {finding.detail}" for finding in result.findings)
    verdict = (
        "Balanced."
        if result.balanced
        else f"Not balanced: {discrepancies} discrepanc{'y' if discrepancies == 1 else 'ies'}"
        " to look at."
    )
    rows += ["", verdict]
    return "\n".join(rows) + "\n"


def _as_json(result: Reconciliation) -> str:
    document: dict[str, Any] = {
        "balanced": result.balanced,
        "reconciliation": converter.unstructure(result),
        "events": converter.unstructure(result.events(), tuple[ReconciliationEvent, ...]),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def reconcile_main(
    statement: str,
    *,
    day: str,
    recorded: str,
    zone: str = DEFAULT_ZONE,
    statement_format: str = "auto",
    tolerance_minutes: float | None = None,
    currency: str = "CNY",
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``mallcore reconcile``: 0 balanced, 1 discrepancies found, 2 bad input."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        on_day = date.fromisoformat(day)
    except ValueError:
        err.write(f"mallcore reconcile: --date {day!r} is not a date such as 2026-12-03\n")
        return 2
    try:
        merchant_zone = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        err.write(f"mallcore reconcile: --zone {zone!r} is not an IANA time zone name\n")
        return 2
    if tolerance_minutes is not None and tolerance_minutes < 0:
        err.write(f"mallcore reconcile: --tolerance {tolerance_minutes} must not be negative\n")
        return 2
    tolerance = (
        DEFAULT_TOLERANCE if tolerance_minutes is None else timedelta(minutes=tolerance_minutes)
    )
    try:
        data = Path(statement).read_bytes()
        recorded_text = Path(recorded).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.write(f"mallcore reconcile: cannot read {exc}\n")
        return 2
    try:
        read = _reader(data, statement_format, currency).read(data, source=statement)
        movements = _recorded(recorded, recorded_text, currency)
        result = reconcile(
            read, movements, day=on_day, zone=merchant_zone, tolerance=tolerance, currency=currency
        )
    except MallcoreError as exc:
        err.write(f"mallcore reconcile: {exc}\n")
        return 2
    out.write(_as_json(result) + "\n" if as_json else render_reconciliation(result, zone_name=zone))
    return 0 if result.balanced else 1


def _run(args: argparse.Namespace) -> int:
    return reconcile_main(
        args.statement,
        day=args.date,
        recorded=args.recorded,
        zone=args.zone,
        statement_format=args.format,
        tolerance_minutes=args.tolerance,
        currency=args.currency,
        as_json=args.json,
    )


def add_reconcile_command(
    subcommands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``reconcile`` to the ``mallcore`` command's subcommands."""
    command = subcommands.add_parser(
        "reconcile",
        help="compare a day's payment statement with what mallcore recorded",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("statement", metavar="STATEMENT", help="the provider's statement file")
    command.add_argument("--date", required=True, help="the day, YYYY-MM-DD, in --zone")
    command.add_argument(
        "--recorded",
        required=True,
        metavar="FILE",
        help="what mallcore recorded: a JSON list of movements, or a CSV in the canonical "
        f"columns ({', '.join(CANONICAL_COLUMNS)})",
    )
    command.add_argument(
        "--zone", default=DEFAULT_ZONE, help=f"the merchant's IANA time zone ({DEFAULT_ZONE})"
    )
    command.add_argument("--format", choices=FORMATS, default="auto", help="the statement format")
    command.add_argument(
        "--tolerance",
        type=float,
        metavar="MINUTES",
        help="how far past midnight a movement may be stamped on the other side "
        f"({int(DEFAULT_TOLERANCE.total_seconds() // 60)})",
    )
    command.add_argument("--currency", default="CNY", help="the statement's currency (CNY)")
    command.add_argument("--json", action="store_true", help="print the result as JSON")
    command.set_defaults(run=_run)
