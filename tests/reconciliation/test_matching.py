"""Worked examples of reconcile(): each finding, the day's boundary, the totals and the events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from mallcore.errors import CurrencyMismatch, InvalidValue, WrongType
from mallcore.money import Money
from mallcore.reconciliation import (
    DiscrepancyFound,
    FindingKind,
    MalformedRow,
    MovementStatus,
    Reconciliation,
    ReconciliationEvent,
    RecordedMovement,
    Statement,
    StatementEntry,
    StatementReconciled,
    day_bounds,
    reconcile,
)
from mallcore.serialization import converter, dumps, loads
from tests.reconciliation.conftest import (
    CUPS,
    CUPS_REFUND,
    DAY,
    PAYMENT,
    PENDING,
    REFUND,
    SHANGHAI,
    TEAPOT,
    at,
    cny,
    entry_of,
)

RECORDED = (TEAPOT, CUPS, CUPS_REFUND)


def statement_of(*movements: RecordedMovement) -> Statement:
    return Statement(entries=[entry_of(m, line=n) for n, m in enumerate(movements, start=2)])


def kinds(statement: Statement, recorded: tuple[RecordedMovement, ...]) -> list[FindingKind]:
    result = reconcile(statement, recorded, day=DAY, zone=SHANGHAI)
    return [finding.kind for finding in result.findings]


def test_a_statement_that_lists_what_was_recorded_balances_with_every_pair_matched() -> None:
    result = reconcile(statement_of(*RECORDED), RECORDED, day=DAY, zone=SHANGHAI)

    assert result.findings == ()
    assert result.matched == 3
    assert result.balanced


def test_a_payment_on_the_statement_that_mallcore_never_recorded_is_a_missing_record() -> None:
    result = reconcile(statement_of(*RECORDED), (TEAPOT, CUPS_REFUND), day=DAY, zone=SHANGHAI)

    (finding,) = result.findings
    assert finding.kind is FindingKind.MISSING_RECORD
    assert finding.key == "4200000002"
    assert finding.movement is PAYMENT
    assert finding.entry == entry_of(CUPS, line=3)
    assert finding.recorded is None
    assert finding.detail == (
        "payment '4200000002' at 2026-12-03T14:02:00+08:00 is on the statement "
        "but mallcore has no record of it"
    )


def test_a_recorded_refund_the_statement_does_not_list_is_missing_from_the_statement() -> None:
    result = reconcile(statement_of(TEAPOT, CUPS), RECORDED, day=DAY, zone=SHANGHAI)

    (finding,) = result.findings
    assert finding.kind is FindingKind.MISSING_FROM_STATEMENT
    assert finding.key == "O-1002-RMA-1"
    assert finding.movement is REFUND
    assert finding.recorded == CUPS_REFUND
    assert not result.balanced


def test_an_amount_that_differs_is_an_amount_mismatch_naming_both_amounts() -> None:
    listed = attrs.evolve(entry_of(TEAPOT), amount=cny("19.00"))

    result = reconcile(Statement(entries=[listed]), (TEAPOT,), day=DAY, zone=SHANGHAI)

    (finding,) = result.findings
    assert finding.kind is FindingKind.AMOUNT_MISMATCH
    assert finding.detail == (
        "payment '4200000001' is 19.00 CNY on the statement but recorded as 190.00 CNY"
    )
    assert result.matched == 0


def test_a_refund_still_pending_at_the_provider_is_a_status_mismatch() -> None:
    listed = attrs.evolve(entry_of(CUPS_REFUND), status=PENDING)

    assert kinds(Statement(entries=[listed]), (CUPS_REFUND,)) == [FindingKind.STATUS_MISMATCH]


def test_a_payment_listed_for_another_order_is_an_order_mismatch() -> None:
    listed = attrs.evolve(entry_of(TEAPOT), order_id="O-9999")

    assert kinds(Statement(entries=[listed]), (TEAPOT,)) == [FindingKind.ORDER_MISMATCH]


def test_every_field_that_differs_is_its_own_finding() -> None:
    listed = attrs.evolve(entry_of(TEAPOT), amount=cny("1.00"), status=MovementStatus.REVERSED)

    assert kinds(Statement(entries=[listed]), (TEAPOT,)) == [
        FindingKind.AMOUNT_MISMATCH,
        FindingKind.STATUS_MISMATCH,
    ]


def test_a_payment_listed_twice_is_a_duplicate_entry_naming_both_lines() -> None:
    statement = Statement(entries=[entry_of(TEAPOT, line=2), entry_of(TEAPOT, line=7)])

    result = reconcile(statement, (TEAPOT,), day=DAY, zone=SHANGHAI)

    (finding,) = result.findings
    assert finding.kind is FindingKind.DUPLICATE_ENTRY
    assert finding.detail == "payment '4200000001' is listed 2 times (lines 2, 7)"


def test_a_payment_recorded_twice_is_a_duplicate_record() -> None:
    assert kinds(statement_of(TEAPOT), (TEAPOT, TEAPOT)) == [FindingKind.DUPLICATE_RECORD]


def test_a_refund_and_its_payment_share_a_transaction_id_but_are_paired_apart() -> None:
    assert kinds(statement_of(CUPS, CUPS_REFUND), (CUPS, CUPS_REFUND)) == []


def test_a_payment_stamped_before_midnight_and_recorded_after_is_a_timing_difference() -> None:
    recorded = attrs.evolve(TEAPOT, at=at(0, 0, 2, day=4))
    listed = attrs.evolve(entry_of(TEAPOT), at=at(23, 59, 58))

    result = reconcile(Statement(entries=[listed]), (recorded,), day=DAY, zone=SHANGHAI)

    (finding,) = result.findings
    assert finding.kind is FindingKind.TIMING_DIFFERENCE
    assert result.balanced
    assert result.matched == 0


def test_the_next_day_judges_that_pair_again_as_a_timing_difference() -> None:
    recorded = attrs.evolve(TEAPOT, at=at(0, 0, 2, day=4))

    result = reconcile(Statement(), (recorded,), day=date(2026, 12, 4), zone=SHANGHAI)

    assert [f.kind for f in result.findings] == [FindingKind.TIMING_DIFFERENCE]


def test_a_payment_recorded_just_after_midnight_and_on_no_statement_is_not_missing() -> None:
    recorded = attrs.evolve(TEAPOT, at=at(0, 3))

    result = reconcile(Statement(), (recorded,), day=DAY, zone=SHANGHAI)

    (finding,) = result.findings
    assert finding.kind is FindingKind.TIMING_DIFFERENCE
    assert finding.detail == (
        "payment '4200000001' at 2026-12-03T00:03:00+08:00 is within 0:15:00 of midnight "
        "and not on the statement: expected on the neighbouring day"
    )


def test_past_the_tolerance_a_lone_payment_near_midnight_is_missing() -> None:
    recorded = attrs.evolve(TEAPOT, at=at(0, 3))

    result = reconcile(
        Statement(), (recorded,), day=DAY, zone=SHANGHAI, tolerance=timedelta(minutes=2)
    )

    assert [f.kind for f in result.findings] == [FindingKind.MISSING_FROM_STATEMENT]


def test_a_movement_of_the_neighbouring_day_beyond_the_tolerance_is_left_alone() -> None:
    yesterday = attrs.evolve(TEAPOT, at=at(23, 0, day=2))
    tomorrow = attrs.evolve(CUPS, at=at(0, 20, day=4))

    result = reconcile(statement_of(tomorrow), (yesterday,), day=DAY, zone=SHANGHAI)

    assert result.findings == ()
    assert result.statement.count == result.recorded.count == 0


def test_a_pair_matched_across_a_day_past_the_tolerance_counts_as_missing_on_the_day() -> None:
    recorded = attrs.evolve(TEAPOT, at=at(1, 0, day=4))

    assert kinds(statement_of(TEAPOT), (recorded,)) == [FindingKind.MISSING_RECORD]


def test_a_malformed_row_is_a_discrepancy_naming_its_line() -> None:
    row = MalformedRow(line=5, text="4200,O-1,abc", reason="amount: is not a decimal number")

    result = reconcile(Statement(malformed=[row]), (), day=DAY, zone=SHANGHAI)

    (finding,) = result.findings
    assert finding.kind is FindingKind.MALFORMED_ROW
    assert finding.key == "line 5"
    assert finding.row == row
    assert not result.balanced


def test_the_day_is_midnight_to_midnight_in_the_merchants_zone() -> None:
    start, end = day_bounds(DAY, SHANGHAI)

    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-03T00:00:00+08:00",
        "2026-12-04T00:00:00+08:00",
    )


def test_a_movement_stamped_in_utc_falls_on_the_merchants_day_it_belongs_to() -> None:
    recorded = attrs.evolve(TEAPOT, at=datetime(2026, 12, 2, 16, 30, tzinfo=UTC))

    result = reconcile(statement_of(recorded), (recorded,), day=DAY, zone=SHANGHAI)

    assert result.matched == 1
    assert result.starts_at <= recorded.at < result.ends_at


def test_the_totals_add_each_sides_payments_refunds_and_statement_fees() -> None:
    statement = Statement(
        entries=[
            attrs.evolve(entry_of(TEAPOT), fee=cny("1.14")),
            attrs.evolve(entry_of(CUPS_REFUND), fee=cny("-0.26")),
        ]
    )

    result = reconcile(statement, RECORDED, day=DAY, zone=SHANGHAI)

    assert (result.statement.count, result.statement.payments, result.statement.refunds) == (
        2,
        cny("190.00"),
        cny("43.00"),
    )
    assert result.statement.fees == cny("0.88")
    assert (result.recorded.count, result.recorded.payments, result.recorded.fees) == (
        3,
        cny("233.00"),
        None,
    )


def test_a_movement_of_the_day_in_another_currency_is_refused() -> None:
    dollars = attrs.evolve(TEAPOT, amount=Money("19.00", "USD"))

    with pytest.raises(CurrencyMismatch):
        reconcile(Statement(), (dollars,), day=DAY, zone=SHANGHAI)


def test_the_events_are_one_per_discrepancy_then_the_day_reconciled() -> None:
    late = attrs.evolve(CUPS_REFUND, at=at(23, 58))
    result = reconcile(statement_of(TEAPOT), (CUPS, late), day=DAY, zone=SHANGHAI)

    events = result.events()

    assert [type(e) for e in events] == [DiscrepancyFound, DiscrepancyFound, StatementReconciled]
    assert [e.finding.kind for e in events if isinstance(e, DiscrepancyFound)] == [
        FindingKind.MISSING_RECORD,
        FindingKind.MISSING_FROM_STATEMENT,
    ]
    assert events[-1] == StatementReconciled(
        day=DAY, matched=0, discrepancies=2, timing_differences=1
    )


def test_a_reconciliation_and_its_events_round_trip_through_the_converter() -> None:
    listed = attrs.evolve(entry_of(TEAPOT), amount=cny("19.00"), fee=cny("0.11"))
    result = reconcile(Statement(entries=[listed]), RECORDED, day=DAY, zone=SHANGHAI)
    events_type = tuple[ReconciliationEvent, ...]

    assert loads(dumps(result), Reconciliation) == result
    data = converter.unstructure(result.events(), events_type)
    assert converter.structure(data, events_type) == result.events()
    assert data[-1]["kind"] == "statement_reconciled"


def test_a_statement_entry_refuses_a_time_without_its_zone() -> None:
    with pytest.raises(InvalidValue, match="at: must be timezone-aware"):
        attrs.evolve(entry_of(TEAPOT), at=datetime(2026, 12, 3, 10))


def test_a_refund_needs_its_refund_id_and_a_payment_has_none() -> None:
    with pytest.raises(InvalidValue, match="a refund needs its refund id"):
        attrs.evolve(CUPS_REFUND, refund_id=None)
    with pytest.raises(InvalidValue, match="a payment has no refund id"):
        attrs.evolve(TEAPOT, refund_id="R-1")


def test_a_movement_of_nothing_or_of_a_float_is_refused() -> None:
    with pytest.raises(InvalidValue, match="amount: must be more than zero"):
        attrs.evolve(TEAPOT, amount=cny("0.00"))
    with pytest.raises(WrongType):
        StatementEntry(
            kind=PAYMENT,
            transaction_id="4200",
            order_id="O-1",
            amount=19.0,  # type: ignore[arg-type]
            status=MovementStatus.SUCCEEDED,
            at=at(10),
        )


def test_a_negative_tolerance_is_refused() -> None:
    with pytest.raises(InvalidValue, match="tolerance: must be a timedelta, not negative"):
        reconcile(Statement(), (), day=DAY, zone=SHANGHAI, tolerance=timedelta(minutes=-1))
