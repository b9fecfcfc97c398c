"""Reconciliation (对账): a day's statement against what mallcore recorded that day.

Theory of operation
-------------------

The *day* is a calendar date in the merchant's time zone (an IANA zone:
``Asia/Shanghai``): from its midnight to the next, ``[starts_at, ends_at)``.
A statement and the records rarely agree to the second near midnight: the
provider stamps a payment when it succeeds, mallcore when the notification
arrives; a refund is stamped when it is asked for on one side and when it is
accepted on the other. So the comparison looks a little past both
midnights: ``tolerance`` (:data:`DEFAULT_TOLERANCE`, 15 minutes, the time
WeChat Pay takes to send a notification for the fifth time: 15 s, 15 s,
30 s, 3 min, 10 min) on either side.

1. Both sides are cut to the widened day ``[starts_at - tolerance,
   ends_at + tolerance)``; what lies outside belongs to other days.
2. Movements are paired by kind and key: a payment by its transaction id, a
   refund by its refund id.
3. A pair (or a lone movement) is this day's business when at least one of
   its movements lies inside the day itself; the others are left to the
   neighbouring day's reconciliation, so each movement is judged once.
4. For each pair of this day:

   - listed twice on the statement: :attr:`FindingKind.DUPLICATE_ENTRY`;
     recorded twice: :attr:`FindingKind.DUPLICATE_RECORD` (the first of each
     is compared);
   - on both sides, one of them outside the day:
     :attr:`FindingKind.TIMING_DIFFERENCE`;
   - on both sides: :attr:`FindingKind.AMOUNT_MISMATCH`,
     :attr:`FindingKind.STATUS_MISMATCH`, :attr:`FindingKind.ORDER_MISMATCH`
     for each field that differs;
   - on one side only, within ``tolerance`` of either midnight:
     :attr:`FindingKind.TIMING_DIFFERENCE` (it is expected on the other
     side's neighbouring day), not missing;
   - on the statement only: :attr:`FindingKind.MISSING_RECORD` (money moved
     that mallcore does not know of); recorded only:
     :attr:`FindingKind.MISSING_FROM_STATEMENT`.

5. Each row the reader could not read is a :attr:`FindingKind.MALFORMED_ROW`.

A pair with no finding is *matched*. Every finding but a timing difference
is a *discrepancy*: a person should look at it. The result,
:class:`Reconciliation`, is a value; its :meth:`~Reconciliation.events` are
what a host publishes: one :class:`DiscrepancyFound` per discrepancy, then
one :class:`StatementReconciled`.

>>> from datetime import date, datetime, timedelta, timezone
>>> from mallcore.money import Money
>>> china = timezone(timedelta(hours=8))
>>> paid = RecordedMovement.payment(
...     "4200001", order_id="O-1", amount=Money("99.00", "CNY"),
...     at=datetime(2026, 12, 3, 23, 59, 58, tzinfo=china))
>>> result = reconcile(Statement(), [paid], day=date(2026, 12, 3), zone=china)
>>> [finding.kind.value for finding in result.findings], result.balanced
(['timing_difference'], True)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Final

import attrs

from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.reconciliation.movements import (
    MalformedRow,
    MovementKind,
    RecordedMovement,
    Statement,
    StatementEntry,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "DiscrepancyFound",
    "Finding",
    "FindingKind",
    "Reconciliation",
    "ReconciliationEvent",
    "StatementReconciled",
    "Totals",
    "day_bounds",
    "reconcile",
]

DEFAULT_TOLERANCE: Final = timedelta(minutes=15)
"""How far past either midnight a movement may be stamped on the other side (15 minutes)."""


class FindingKind(enum.Enum):
    """What a reconciliation found about one movement or one row."""

    MISSING_RECORD = "missing_record"
    """On the statement, not recorded: money moved that mallcore does not know of."""
    MISSING_FROM_STATEMENT = "missing_from_statement"
    """Recorded, not on the statement: money mallcore believes moved, the provider does not list."""
    AMOUNT_MISMATCH = "amount_mismatch"
    """Both sides list it, with different amounts."""
    STATUS_MISMATCH = "status_mismatch"
    """Both sides list it, in different statuses."""
    ORDER_MISMATCH = "order_mismatch"
    """Both sides list it, for different orders or payments."""
    DUPLICATE_ENTRY = "duplicate_entry"
    """The statement lists it more than once."""
    DUPLICATE_RECORD = "duplicate_record"
    """mallcore recorded it more than once."""
    TIMING_DIFFERENCE = "timing_difference"
    """Near midnight, on the other side of the boundary: expected on the neighbouring day."""
    MALFORMED_ROW = "malformed_row"
    """A statement row that could not be read."""


@attrs.frozen(kw_only=True)
class Finding:
    """One thing a reconciliation found, with the movements it is about and a sentence for people.

    ``key`` is the transaction id of a payment, the refund id of a refund, or
    ``line N`` for a malformed row. ``entry`` and ``recorded`` are the
    statement's and mallcore's side (None where that side has none);
    ``row`` is the malformed row.
    """

    kind: FindingKind
    key: str
    detail: str
    movement: MovementKind | None = None
    entry: StatementEntry | None = None
    recorded: RecordedMovement | None = None
    row: MalformedRow | None = None

    @property
    def is_discrepancy(self) -> bool:
        """Whether a person should look at it: every finding but a timing difference."""
        return self.kind is not FindingKind.TIMING_DIFFERENCE


@attrs.frozen(kw_only=True)
class Totals:
    """What one side of the day adds up to, whatever the statuses: count, payments, refunds, fees.

    ``fees`` is None for mallcore's side, which records none.
    """

    count: int
    payments: Money
    refunds: Money
    fees: Money | None


@attrs.frozen(kw_only=True)
class DiscrepancyFound:
    """Event: a finding a person should act on (everything but a timing difference)."""

    day: date
    finding: Finding


@attrs.frozen(kw_only=True)
class StatementReconciled:
    """Event: a day's statement was reconciled; how many pairs matched and how many did not."""

    day: date
    matched: int
    discrepancies: int
    timing_differences: int


ReconciliationEvent = DiscrepancyFound | StatementReconciled
"""Every event a reconciliation produces."""


@attrs.frozen(kw_only=True)
class Reconciliation:
    """The outcome of comparing a day's statement with mallcore's records of that day.

    ``statement`` and ``recorded`` total the movements of the day itself on
    each side (the widened edges left out); ``matched`` counts the pairs that
    agree; ``findings`` come in statement order, then the records' order,
    malformed rows first.
    """

    day: date
    zone: tzinfo
    starts_at: datetime
    ends_at: datetime
    tolerance: timedelta
    matched: int
    statement: Totals
    recorded: Totals
    findings: tuple[Finding, ...]

    @property
    def discrepancies(self) -> tuple[Finding, ...]:
        """The findings a person should look at."""
        return tuple(finding for finding in self.findings if finding.is_discrepancy)

    @property
    def balanced(self) -> bool:
        """Whether nothing needs a person: no finding but timing differences."""
        return not self.discrepancies

    def events(self) -> tuple[ReconciliationEvent, ...]:
        """What a host publishes: each discrepancy, then the day reconciled."""
        found: list[ReconciliationEvent] = [
            DiscrepancyFound(day=self.day, finding=finding) for finding in self.discrepancies
        ]
        timing = len(self.findings) - len(found)
        return (
            *found,
            StatementReconciled(
                day=self.day,
                matched=self.matched,
                discrepancies=len(found),
                timing_differences=timing,
            ),
        )


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The day's first moment and the next day's, in ``zone``.

    >>> from dateutil import tz
    >>> start, end = day_bounds(date(2026, 12, 3), tz.gettz("Asia/Shanghai"))
    >>> start.isoformat(), end.isoformat()
    ('2026-12-03T00:00:00+08:00', '2026-12-04T00:00:00+08:00')
    """
    return (
        datetime.combine(day, time(), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time(), tzinfo=zone),
    )


def _totals(
    movements: Iterable[StatementEntry | RecordedMovement], currency: str, *, with_fees: bool
) -> Totals:
    zero = Money.zero(currency)
    count, payments, refunds, fees = 0, zero, zero, zero
    for movement in movements:
        count += 1
        if movement.kind is MovementKind.PAYMENT:
            payments += movement.amount
        else:
            refunds += movement.amount
        if isinstance(movement, StatementEntry) and movement.fee is not None:
            fees += movement.fee
    return Totals(count=count, payments=payments, refunds=refunds, fees=fees if with_fees else None)


def _name(kind: MovementKind, key: str) -> str:
    return f"{kind.value} {key!r}"


def _compare(
    entry: StatementEntry, recorded: RecordedMovement, inside: tuple[datetime, datetime]
) -> list[Finding]:
    """What differs between the two sides of one pair."""
    start, end = inside
    name = _name(entry.kind, entry.key)

    def finding(kind: FindingKind, detail: str) -> Finding:
        return Finding(
            kind=kind,
            key=entry.key,
            detail=f"{name} {detail}",
            movement=entry.kind,
            entry=entry,
            recorded=recorded,
        )

    found: list[Finding] = []
    if not (start <= entry.at < end and start <= recorded.at < end):
        found.append(
            finding(
                FindingKind.TIMING_DIFFERENCE,
                f"is on the statement at {entry.at.isoformat()} and recorded at "
                f"{recorded.at.isoformat()}: on either side of midnight",
            )
        )
    if entry.amount != recorded.amount:
        found.append(
            finding(
                FindingKind.AMOUNT_MISMATCH,
                f"is {entry.amount} on the statement but recorded as {recorded.amount}",
            )
        )
    if entry.status is not recorded.status:
        found.append(
            finding(
                FindingKind.STATUS_MISMATCH,
                f"is {entry.status.value} on the statement but recorded as {recorded.status.value}",
            )
        )
    if (entry.order_id, entry.transaction_id) != (recorded.order_id, recorded.transaction_id):
        found.append(
            finding(
                FindingKind.ORDER_MISMATCH,
                f"is for order {entry.order_id!r} (transaction {entry.transaction_id!r}) on "
                f"the statement but recorded for order {recorded.order_id!r} "
                f"(transaction {recorded.transaction_id!r})",
            )
        )
    return found


def _alone(
    movement: StatementEntry | RecordedMovement,
    inside: tuple[datetime, datetime],
    tolerance: timedelta,
) -> Finding:
    """The finding for a movement of the day that the other side does not list."""
    start, end = inside
    entry = movement if isinstance(movement, StatementEntry) else None
    record = movement if isinstance(movement, RecordedMovement) else None
    name = f"{_name(movement.kind, movement.key)} at {movement.at.isoformat()}"
    if movement.at < start + tolerance or movement.at >= end - tolerance:
        other = "recorded" if entry is not None else "on the statement"
        kind = FindingKind.TIMING_DIFFERENCE
        detail = (
            f"{name} is within {tolerance} of midnight and not {other}: "
            "expected on the neighbouring day"
        )
    elif entry is not None:
        kind = FindingKind.MISSING_RECORD
        detail = f"{name} is on the statement but mallcore has no record of it"
    else:
        kind = FindingKind.MISSING_FROM_STATEMENT
        detail = f"{name} was recorded but is not on the statement"
    return Finding(
        kind=kind,
        key=movement.key,
        detail=detail,
        movement=movement.kind,
        entry=entry,
        recorded=record,
    )


def _judge(
    entries: list[StatementEntry],
    records: list[RecordedMovement],
    inside: tuple[datetime, datetime],
    tolerance: timedelta,
) -> list[Finding]:
    """The findings of one key: duplicates on either side, then the pair compared or alone."""
    first = entries[0] if entries else records[0]
    name = _name(first.kind, first.key)
    found: list[Finding] = []
    if len(entries) > 1:
        lines = ", ".join(str(entry.line) for entry in entries)
        found.append(
            Finding(
                kind=FindingKind.DUPLICATE_ENTRY,
                key=first.key,
                detail=f"{name} is listed {len(entries)} times (lines {lines})",
                movement=first.kind,
                entry=entries[1],
            )
        )
    if len(records) > 1:
        found.append(
            Finding(
                kind=FindingKind.DUPLICATE_RECORD,
                key=first.key,
                detail=f"{name} was recorded {len(records)} times",
                movement=first.kind,
                recorded=records[1],
            )
        )
    if entries and records:
        return found + _compare(entries[0], records[0], inside)
    return [*found, _alone(first, inside, tolerance)]


def reconcile(
    statement: Statement,
    recorded: Iterable[RecordedMovement],
    *,
    day: date,
    zone: tzinfo,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    currency: str = "CNY",
) -> Reconciliation:
    """Compare ``statement`` with the ``recorded`` movements of ``day`` in ``zone``.

    ``recorded`` may hold more than the day: what lies outside the day
    widened by ``tolerance`` is left alone. Totals are in ``currency``; a
    movement of the day in another currency raises CurrencyMismatch, a
    ``tolerance`` that is not a timedelta of zero or more InvalidValue.
    """
    if not isinstance(tolerance, timedelta) or tolerance < timedelta(0):
        raise InvalidValue("tolerance", tolerance, "must be a timedelta, not negative")
    records_given = tuple(recorded)
    start, end = day_bounds(day, zone)
    low, high = start - tolerance, end + tolerance
    pairs: dict[tuple[MovementKind, str], tuple[list[StatementEntry], list[RecordedMovement]]] = {}
    for entry in statement.entries:
        if low <= entry.at < high:
            pairs.setdefault((entry.kind, entry.key), ([], []))[0].append(entry)
    for movement in records_given:
        if low <= movement.at < high:
            pairs.setdefault((movement.kind, movement.key), ([], []))[1].append(movement)

    findings = [
        Finding(kind=FindingKind.MALFORMED_ROW, key=f"line {row.line}", detail=row.reason, row=row)
        for row in statement.malformed
    ]
    matched = 0
    for entries, records in pairs.values():
        moments = [entry.at for entry in entries] + [record.at for record in records]
        if any(start <= at < end for at in moments):
            found = _judge(entries, records, (start, end), tolerance)
            matched += not found
            findings += found

    return Reconciliation(
        day=day,
        zone=zone,
        starts_at=start,
        ends_at=end,
        tolerance=tolerance,
        matched=matched,
        statement=_totals(
            (e for e in statement.entries if start <= e.at < end), currency, with_fees=True
        ),
        recorded=_totals(
            (r for r in records_given if start <= r.at < end), currency, with_fees=False
        ),
        findings=tuple(findings),
    )
