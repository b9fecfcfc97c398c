"""The laws of reconcile(): agreement finds nothing, and one change finds exactly that change.

Each law takes a day of recorded movements away from midnight (further than
the tolerance), the statement that lists them exactly, and then changes one
thing on one side.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.money import Money
from mallcore.reconciliation import (
    DEFAULT_TOLERANCE,
    FindingKind,
    MovementStatus,
    RecordedMovement,
    Statement,
    StatementEntry,
    day_bounds,
    reconcile,
)
from mallcore.serialization import structure, unstructure
from tests.reconciliation.conftest import DAY, SHANGHAI, entry_of

START, END = day_bounds(DAY, SHANGHAI)
SAFE_SECONDS = int((END - START - 2 * DEFAULT_TOLERANCE).total_seconds()) - 1
LAWS = settings(max_examples=40, deadline=None)


@st.composite
def days(draw: st.DrawFn) -> tuple[RecordedMovement, ...]:
    """1 to 8 movements of the day, none within the tolerance of midnight, keys unique."""
    count = draw(st.integers(min_value=1, max_value=8))
    movements = []
    for number in range(count):
        at = START + DEFAULT_TOLERANCE + timedelta(seconds=draw(st.integers(0, SAFE_SECONDS)))
        amount = Money.from_minor(draw(st.integers(min_value=1, max_value=10**7)), "CNY")
        status = draw(st.sampled_from(MovementStatus))
        transaction = f"42000{number:05d}"
        if draw(st.booleans()):
            movements.append(
                RecordedMovement.payment(
                    transaction, order_id=f"O-{number}", amount=amount, at=at, status=status
                )
            )
        else:
            movements.append(
                RecordedMovement.refund(
                    f"O-{number}-R",
                    transaction_id=transaction,
                    order_id=f"O-{number}",
                    amount=amount,
                    at=at,
                    status=status,
                )
            )
    return tuple(movements)


def listing(recorded: tuple[RecordedMovement, ...]) -> Statement:
    return Statement(entries=[entry_of(m, line=n) for n, m in enumerate(recorded, start=2)])


def found(statement: Statement, recorded: tuple[RecordedMovement, ...]) -> list[tuple[str, str]]:
    result = reconcile(statement, recorded, day=DAY, zone=SHANGHAI)
    return [(finding.kind.value, finding.key) for finding in result.findings]


@LAWS
@given(days())
def test_a_statement_that_lists_exactly_the_records_finds_nothing(
    recorded: tuple[RecordedMovement, ...],
) -> None:
    result = reconcile(listing(recorded), recorded, day=DAY, zone=SHANGHAI)

    assert result.findings == ()
    assert result.matched == len(recorded)
    assert (result.statement.payments, result.statement.refunds) == (
        result.recorded.payments,
        result.recorded.refunds,
    )


@LAWS
@given(days(), st.data())
def test_removing_one_entry_from_the_statement_finds_exactly_it_missing(
    recorded: tuple[RecordedMovement, ...], data: st.DataObject
) -> None:
    gone = data.draw(st.integers(0, len(recorded) - 1))
    statement = listing(recorded)
    statement = attrs.evolve(
        statement, entries=statement.entries[:gone] + statement.entries[gone + 1 :]
    )

    assert found(statement, recorded) == [("missing_from_statement", recorded[gone].key)]


@LAWS
@given(days(), st.data())
def test_removing_one_record_finds_exactly_it_missing_from_the_records(
    recorded: tuple[RecordedMovement, ...], data: st.DataObject
) -> None:
    gone = data.draw(st.integers(0, len(recorded) - 1))

    kept = recorded[:gone] + recorded[gone + 1 :]

    assert found(listing(recorded), kept) == [("missing_record", recorded[gone].key)]


@LAWS
@given(days(), st.data())
def test_changing_one_amount_finds_exactly_that_amount_mismatch(
    recorded: tuple[RecordedMovement, ...], data: st.DataObject
) -> None:
    changed = data.draw(st.integers(0, len(recorded) - 1))
    extra = Money.from_minor(data.draw(st.integers(1, 10**5)), "CNY")
    entries = list(listing(recorded).entries)
    entries[changed] = attrs.evolve(entries[changed], amount=entries[changed].amount + extra)

    assert found(Statement(entries=entries), recorded) == [
        ("amount_mismatch", recorded[changed].key)
    ]


@LAWS
@given(days(), st.data())
def test_changing_one_status_finds_exactly_that_status_mismatch(
    recorded: tuple[RecordedMovement, ...], data: st.DataObject
) -> None:
    changed = data.draw(st.integers(0, len(recorded) - 1))
    other = data.draw(
        st.sampled_from([s for s in MovementStatus if s is not recorded[changed].status])
    )
    entries = list(listing(recorded).entries)
    entries[changed] = attrs.evolve(entries[changed], status=other)

    assert found(Statement(entries=entries), recorded) == [
        ("status_mismatch", recorded[changed].key)
    ]


@LAWS
@given(days(), st.data())
def test_listing_one_entry_twice_finds_exactly_that_duplicate(
    recorded: tuple[RecordedMovement, ...], data: st.DataObject
) -> None:
    twice = data.draw(st.integers(0, len(recorded) - 1))
    statement = listing(recorded)
    statement = attrs.evolve(statement, entries=(*statement.entries, statement.entries[twice]))

    assert found(statement, recorded) == [("duplicate_entry", recorded[twice].key)]


@LAWS
@given(
    days(),
    st.data(),
    st.integers(0, int(DEFAULT_TOLERANCE.total_seconds()) - 1),
    st.integers(1, int(DEFAULT_TOLERANCE.total_seconds())),
)
def test_moving_one_pair_across_midnight_within_the_tolerance_finds_a_timing_difference(
    recorded: tuple[RecordedMovement, ...], data: st.DataObject, before: int, after: int
) -> None:
    moved = data.draw(st.integers(0, len(recorded) - 1))
    on_statement = data.draw(st.booleans())
    inside, outside = END - timedelta(seconds=after), END + timedelta(seconds=before)
    statement_at, recorded_at = (outside, inside) if on_statement else (inside, outside)
    records = list(recorded)
    records[moved] = attrs.evolve(records[moved], at=recorded_at)
    entries = list(listing(recorded).entries)
    entries[moved] = attrs.evolve(entries[moved], at=statement_at)

    result = reconcile(Statement(entries=entries), records, day=DAY, zone=SHANGHAI)

    assert [(f.kind, f.key) for f in result.findings] == [
        (FindingKind.TIMING_DIFFERENCE, recorded[moved].key)
    ]
    assert result.balanced


@LAWS
@given(st.from_type(RecordedMovement), st.from_type(StatementEntry))
def test_both_sides_round_trip_through_the_converter(
    recorded: RecordedMovement, entry: StatementEntry
) -> None:
    assert structure(unstructure(recorded), RecordedMovement) == recorded
    assert structure(unstructure(entry), StatementEntry) == entry
