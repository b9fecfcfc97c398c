"""Strategies for reconciliation: movements as mallcore recorded them, as statements list them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TypeVar

import attrs
from dateutil import tz
from hypothesis import strategies as st

from mallcore.money import Money, currency_exponent
from mallcore.reconciliation import (
    DiscrepancyFound,
    Finding,
    MalformedRow,
    MovementKind,
    MovementStatus,
    Reconciliation,
    RecordedMovement,
    Statement,
    StatementEntry,
    StatementReconciled,
    Totals,
    reconcile,
)
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._ids import ids
from mallcore.testing.strategies._money import currencies
from mallcore.testing.strategies._parts import parts_of

__all__ = [
    "discrepancy_found_events",
    "findings",
    "malformed_rows",
    "reconciliations",
    "recorded_movements",
    "statement_entries",
    "statement_reconciled_events",
    "statements",
    "totals",
]


def _moved(currency: str) -> st.SearchStrategy[Money]:
    top = 10**6 * 10 ** currency_exponent(currency)
    return st.integers(1, top).map(lambda minor: Money.from_minor(minor, currency))


@st.composite
def recorded_movements(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    min_value: datetime = datetime(2000, 1, 1),
    max_value: datetime = datetime(2100, 1, 1),
) -> RecordedMovement:
    """A payment or refund as mallcore recorded it, between ``min_value`` and ``max_value``."""
    code = currency if currency is not None else draw(currencies())
    kind = draw(st.sampled_from(MovementKind))
    return RecordedMovement(
        kind=kind,
        transaction_id=draw(ids()),
        order_id=draw(ids()),
        amount=draw(_moved(code)),
        status=draw(st.sampled_from(MovementStatus)),
        at=draw(aware_datetimes(min_value=min_value, max_value=max_value)),
        refund_id=draw(ids()) if kind is MovementKind.REFUND else None,
    )


@st.composite
def statement_entries(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    min_value: datetime = datetime(2000, 1, 1),
    max_value: datetime = datetime(2100, 1, 1),
) -> StatementEntry:
    """A statement row: a recorded movement's fields, a signed fee or none, and a line number."""
    code = currency if currency is not None else draw(currencies())
    movement = draw(recorded_movements(code, min_value=min_value, max_value=max_value))
    fee = draw(st.none() | _moved(code) | _moved(code).map(lambda money: -money))
    return StatementEntry(
        kind=movement.kind,
        transaction_id=movement.transaction_id,
        order_id=movement.order_id,
        amount=movement.amount,
        status=movement.status,
        at=movement.at,
        refund_id=movement.refund_id,
        fee=fee,
        line=draw(st.integers(0, 10**6)),
    )


def malformed_rows() -> st.SearchStrategy[MalformedRow]:
    """A statement row that could not be read, its line number and why."""
    return st.builds(
        MalformedRow,
        line=st.integers(0, 10**6),
        text=st.sampled_from(["pay,T1,O1,abc,success", "", "refund,,O-2"]),
        reason=st.sampled_from(["amount is not a number", "too few columns"]),
    )


@st.composite
def statements(draw: st.DrawFn, currency: str | None = None, *, max_size: int = 5) -> Statement:
    """A statement of up to ``max_size`` entries in one currency and up to two unreadable rows."""
    code = currency if currency is not None else draw(currencies())
    return Statement(
        entries=draw(st.lists(statement_entries(code), max_size=max_size)),
        malformed=draw(st.lists(malformed_rows(), max_size=2)),
    )


_ZONES = tuple(
    zone
    for name in ("UTC", "Asia/Shanghai", "America/New_York")
    if (zone := tz.gettz(name)) is not None
)
"""Merchants' zones by IANA name (as a reconciliation is written), with and without DST."""


def _as_entry(movement: RecordedMovement, line: int) -> StatementEntry:
    """``movement`` as a statement lists it, without a fee."""
    fields = {field.name: getattr(movement, field.name) for field in attrs.fields(RecordedMovement)}
    return StatementEntry(**fields, fee=None, line=line)


@st.composite
def reconciliations(draw: st.DrawFn, currency: str | None = None) -> Reconciliation:
    """What :func:`~mallcore.reconciliation.reconcile` finds for one day, around it.

    Movements fall on the day or next to it; some are listed on the
    statement as recorded, others only on one side, so matches, timing
    differences and discrepancies all occur.
    """
    code = currency if currency is not None else draw(currencies())
    day = draw(st.dates(min_value=date(2020, 1, 2), max_value=date(2030, 1, 1)))
    around = {
        "min_value": datetime.combine(day - timedelta(days=1), time()),
        "max_value": datetime.combine(day + timedelta(days=2), time()),
    }
    recorded = draw(st.lists(recorded_movements(code, **around), max_size=4))
    mirrored = [
        _as_entry(movement, line) for line, movement in enumerate(recorded) if draw(st.booleans())
    ]
    others = draw(st.lists(statement_entries(code, **around), max_size=2))
    return reconcile(
        Statement(entries=[*mirrored, *others]),
        recorded,
        day=day,
        zone=draw(st.sampled_from(_ZONES)),
        currency=code,
    )


def findings() -> st.SearchStrategy[Finding]:
    """A finding of a reconciliation from :func:`reconciliations`."""
    return parts_of(reconciliations(), lambda outcome: outcome.findings)


def totals() -> st.SearchStrategy[Totals]:
    """What one side of a reconciliation from :func:`reconciliations` adds up to."""
    return reconciliations().flatmap(
        lambda outcome: st.sampled_from([outcome.statement, outcome.recorded])
    )


def discrepancy_found_events() -> st.SearchStrategy[DiscrepancyFound]:
    """A discrepancy a reconciliation from :func:`reconciliations` reports."""
    return _events_of(DiscrepancyFound)


def statement_reconciled_events() -> st.SearchStrategy[StatementReconciled]:
    """The summary event of a reconciliation from :func:`reconciliations`."""
    return _events_of(StatementReconciled)


_E = TypeVar("_E")


def _events_of(kind: type[_E]) -> st.SearchStrategy[_E]:
    return parts_of(
        reconciliations(),
        lambda outcome: [event for event in outcome.events() if isinstance(event, kind)],
    )
