"""Laws of time in the points account (issue 11's third bug and its ledger rule), one per test.

- the balance at a time is what is spendable then: released, unexpired;
- it is what settling the account at that time leaves, and all of it can be spent then;
- a command dated before the last entry is the same command at the last entry's time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mallcore.errors import NotEnoughPoints
from mallcore.loyalty import PointsAccount
from mallcore.testing.strategies import points_accounts
from mallcore.testing.strategies._loyalty import LOYALTY_EPOCH

LATER = st.integers(0, 3 * 366 * 24).map(lambda hours: timedelta(hours=hours))


def last_moment(account: PointsAccount) -> datetime:
    ledger = account.ledger()
    return ledger[-1].at if ledger else LOYALTY_EPOCH


@given(points_accounts(), LATER)
def test_the_balance_at_a_time_never_counts_expired_or_locked_points(
    account: PointsAccount, later: timedelta
) -> None:
    at = last_moment(account) + later

    spendable = sum(
        lot.remaining
        for lot in account.lots()
        if not lot.is_expired(at)
        and not lot.held
        and (lot.locked_until is None or lot.locked_until <= at)
    )

    assert account.balance(at=at) <= spendable


@given(points_accounts(), LATER)
def test_the_balance_at_a_time_is_what_settling_at_that_time_leaves(
    account: PointsAccount, later: timedelta
) -> None:
    at = last_moment(account) + later

    settled, _ = account.expire(at)

    assert account.balance(at=at) == settled.balance() == settled.balance(at=at)


@given(points_accounts(), LATER)
def test_the_balance_at_a_time_can_all_be_spent_then_and_no_more(
    account: PointsAccount, later: timedelta
) -> None:
    at = last_moment(account) + later
    balance = account.balance(at=at)

    with pytest.raises(NotEnoughPoints):
        account.spend(max(balance, 0) + 1, key="spend:more", at=at)
    if balance > 0:
        spent, _ = account.spend(balance, key="spend:all", at=at)
        assert spent.balance() == 0


@given(points_accounts(), st.integers(1, 48 * 3600).map(lambda s: timedelta(seconds=s)))
def test_a_command_dated_before_the_last_entry_is_that_command_at_the_last_entrys_time(
    account: PointsAccount, early: timedelta
) -> None:
    assume(account.ledger())
    last = last_moment(account)

    late, entries = account.earn(5, key="earn:late", at=last - early)

    assert late == account.earn(5, key="earn:late", at=last)[0]
    assert all(entry.at == last for entry in entries)
    assert [entry.at for entry in late.ledger()] == sorted(entry.at for entry in late.ledger())
