"""The payment record: its table, its refund limits, its repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import IllegalTransition, InvalidValue, RefundRefused
from mallcore.money import Money
from mallcore.orders import MAX_REFUNDS, PAYMENT_TRANSITIONS, Payment, PaymentStatus

PAID_AT = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)
CENT = Money("0.01", "CNY")


def _applied(amount: str = "100.00") -> Payment:
    payment, _ = Payment.received("P-1", order_id="O-1", amount=Money(amount, "CNY"), at=PAID_AT)
    return payment.apply(at=PAID_AT)[0]


def _reachable() -> set[PaymentStatus]:
    seen = {PaymentStatus.STARTED, PaymentStatus.RECEIVED}
    frontier = list(seen)
    while frontier:
        for target in PAYMENT_TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def test_every_payment_status_is_reachable_from_a_start_or_a_receipt() -> None:
    assert _reachable() == set(PaymentStatus)


@pytest.mark.parametrize("status", [PaymentStatus.DECLINED, PaymentStatus.REFUNDED])
def test_a_declined_or_refunded_payment_is_final(status: PaymentStatus) -> None:
    assert PAYMENT_TRANSITIONS[status] == frozenset()


def test_a_move_outside_the_table_is_refused() -> None:
    started, _ = Payment.start("P-1", order_id="O-1", amount=CENT, at=PAID_AT)

    with pytest.raises(IllegalTransition, match="payment 'P-1' cannot go from started to applied"):
        started.apply(at=PAID_AT)


def test_a_payment_takes_fifty_refunds_and_refuses_the_fifty_first() -> None:
    payment = _applied()
    for n in range(MAX_REFUNDS):
        payment, _ = payment.refund(f"R{n}", amount=CENT, at=PAID_AT, reason="partial")

    with pytest.raises(RefundRefused, match="the 50 refunds a payment takes"):
        payment.refund("R-50", amount=CENT, at=PAID_AT, reason="partial")


def test_a_refund_a_year_and_a_moment_after_the_payment_is_refused() -> None:
    payment = _applied()

    payment.refund("R1", amount=CENT, at=PAID_AT + timedelta(days=365), reason="late")
    with pytest.raises(RefundRefused, match="over a year before"):
        payment.refund("R1", amount=CENT, at=PAID_AT + timedelta(days=365, seconds=1), reason="x")


def test_a_refund_above_what_is_left_is_refused() -> None:
    payment, _ = _applied("1.00").refund("R1", amount=Money("0.60", "CNY"), at=PAID_AT, reason="x")

    with pytest.raises(InvalidValue, match=r"exceeds the 0\.40 CNY left of payment 'P-1'"):
        payment.refund("R2", amount=Money("0.41", "CNY"), at=PAID_AT, reason="x")


def test_a_refund_id_seen_before_changes_nothing() -> None:
    once, _ = _applied().refund("R1", amount=CENT, at=PAID_AT, reason="x")

    twice, events = once.refund("R1", amount=CENT, at=PAID_AT, reason="x")

    assert (twice, events) == (once, ())


def test_each_move_bumps_the_version_by_one() -> None:
    started, _ = Payment.start("P-1", order_id="O-1", amount=CENT, at=PAID_AT)

    received, _ = started.receive(amount=CENT, at=PAID_AT)
    again, events = received.receive(amount=CENT, at=PAID_AT)

    assert (started.version, received.version) == (0, 1)
    assert (again, events) == (received, ())


@given(st.lists(st.integers(1, 5_000), max_size=60), st.integers(1, 100_000))
def test_the_refunds_of_a_payment_never_exceed_it_and_each_id_counts_once(
    asked: list[int], paid_minor: int
) -> None:
    payment = _applied(str(Money.from_minor(paid_minor, "CNY").amount))
    for n, minor in enumerate(asked):
        refund_id = f"R{n // 2}"
        try:
            payment, _ = payment.refund(
                refund_id, amount=Money.from_minor(minor, "CNY"), at=PAID_AT, reason="x"
            )
        except (InvalidValue, RefundRefused):
            continue

    assert payment.refunded <= payment.amount
    assert len(payment.refunds) <= MAX_REFUNDS
    ids = [refund.refund_id for refund in payment.refunds]
    assert len(ids) == len(set(ids))
