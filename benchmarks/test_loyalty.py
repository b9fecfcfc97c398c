"""Loyalty benchmarks: balance, spend and the expiry sweep on accounts of 1,000 to 100,000 lots.

Run with ``.venv/bin/python -m pytest benchmarks/test_loyalty.py --benchmark-only -q``.

The baseline, timed in the same run, is the obvious immutable account: the
lots' remaining points in a tuple, the balance their sum, a spend a new
tuple with the oldest lots reduced. It copies or scans every lot on each
call; mallcore's account does neither, which is what the growth shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from mallcore.loyalty import (
    AccountPolicy,
    Entry,
    EntryKind,
    ExpiryPolicy,
    ExpiryRule,
    Lot,
    PointsAccount,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
SIZES = [1_000, 10_000, 100_000]
POLICY = AccountPolicy(expiry=ExpiryPolicy(rule=ExpiryRule.DAYS_AFTER, days=365, time_zone="UTC"))


@cache
def account_of(lots: int) -> PointsAccount:
    """An account with ``lots`` lots of 10 points, one a minute, none spent."""
    moments = [START + timedelta(minutes=n) for n in range(lots)]
    return PointsAccount.restore(
        "member-1",
        policy=POLICY,
        version=lots,
        lots=[
            Lot(
                id=n,
                points=10,
                remaining=10,
                earned_at=moment,
                expires_at=POLICY.expiry.expires_at(moment),
            )
            for n, moment in enumerate(moments)
        ],
        ledger=[
            Entry(
                key=f"earn:{n}",
                kind=EntryKind.EARNED,
                at=moment,
                points=10,
                balance=10 * (n + 1),
                lot_id=n,
            )
            for n, moment in enumerate(moments)
        ],
        orders=(),
        keys=[(f"earn:{n}", n + 1) for n in range(lots)],
    )


def tuple_balance(remaining: tuple[int, ...]) -> int:
    return sum(remaining)


def tuple_spend(remaining: tuple[int, ...], points: int) -> tuple[int, ...]:
    """Spend oldest first by copying the lots: what an immutable tuple of lots costs."""
    spent = list(remaining)
    for index, left in enumerate(spent):
        used = min(left, points)
        spent[index] -= used
        points -= used
        if not points:
            break
    return tuple(spent)


LATER = START + timedelta(days=100)


@pytest.mark.parametrize("lots", SIZES)
def test_balance(benchmark: BenchmarkFixture, lots: int) -> None:
    benchmark.group = "balance"
    account = account_of(lots)

    assert benchmark(account.balance) == 10 * lots


@pytest.mark.parametrize("lots", SIZES)
def test_baseline_balance_by_summing_a_tuple(benchmark: BenchmarkFixture, lots: int) -> None:
    benchmark.group = "balance"
    remaining = (10,) * lots

    assert benchmark(tuple_balance, remaining) == 10 * lots


@pytest.mark.parametrize("lots", SIZES)
def test_balance_at_an_instant(benchmark: BenchmarkFixture, lots: int) -> None:
    benchmark.group = "balance(at=...)"
    account = account_of(lots)
    middle = START + timedelta(minutes=lots // 2)

    assert benchmark(account.balance, at=middle) == 10 * (lots // 2 + 1)


@pytest.mark.parametrize("lots", SIZES)
def test_spend_25_points(benchmark: BenchmarkFixture, lots: int) -> None:
    benchmark.group = "spend 25 points (3 lots)"
    account = account_of(lots)

    spent, _ = benchmark(account.spend, 25, key="spend:bench", at=LATER)

    assert spent.balance() == 10 * lots - 25


@pytest.mark.parametrize("lots", SIZES)
def test_baseline_spend_by_copying_a_tuple(benchmark: BenchmarkFixture, lots: int) -> None:
    benchmark.group = "spend 25 points (3 lots)"
    remaining = (10,) * lots

    assert sum(benchmark(tuple_spend, remaining, 25)) == 10 * lots - 25


@pytest.mark.parametrize("lots", SIZES)
def test_spend_after_half_the_lots_are_spent(benchmark: BenchmarkFixture, lots: int) -> None:
    benchmark.group = "spend 25 points, half the lots spent before"
    account, _ = account_of(lots).spend(5 * lots, key="spend:half", at=LATER)

    spent, _ = benchmark(account.spend, 25, key="spend:bench", at=LATER)

    assert spent.balance() == 5 * lots - 25


@pytest.mark.parametrize("lots", SIZES)
def test_expiry_sweep_with_nothing_due(benchmark: BenchmarkFixture, lots: int) -> None:
    benchmark.group = "expiry sweep, nothing due"
    account = account_of(lots)

    swept, entries = benchmark(account.expire, LATER)

    assert entries == ()
    assert swept is account


@pytest.mark.parametrize("lots", SIZES)
def test_expiry_sweep_with_every_lot_due(benchmark: BenchmarkFixture, lots: int) -> None:
    benchmark.group = "expiry sweep, every lot due"
    account = account_of(lots)

    swept, entries = benchmark.pedantic(  # type: ignore[no-untyped-call]
        account.expire, args=(START + timedelta(days=800),), rounds=3, iterations=1
    )

    assert len(entries) == lots
    assert swept.balance() == 0
