"""Laws of the points account on random runs of commands, one law per test."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import NotEnoughPoints
from mallcore.loyalty import EntryKind, PointsAccount
from mallcore.money import Money
from mallcore.testing.strategies import points_accounts
from mallcore.testing.strategies._loyalty import LOYALTY_EPOCH


def last_moment(account: PointsAccount) -> datetime:
    ledger = account.ledger()
    return ledger[-1].at if ledger else LOYALTY_EPOCH


@given(points_accounts())
def test_the_balance_is_the_sum_of_the_ledger_entries(account: PointsAccount) -> None:
    entries = account.ledger()

    assert sum(entry.points for entry in entries) == account.balance()
    assert sum(entry.pending for entry in entries) == account.pending_points


@given(points_accounts())
def test_no_lot_ever_holds_less_than_zero_or_more_than_it_earned(account: PointsAccount) -> None:
    assert all(0 <= lot.remaining <= lot.points for lot in account.lots())


@given(points_accounts())
def test_the_balance_is_what_the_available_lots_hold_less_the_debt(account: PointsAccount) -> None:
    available = sum(lot.remaining for lot in account.lots() if not lot.is_pending())
    pending = sum(lot.remaining for lot in account.lots() if lot.is_pending())

    assert account.balance() == available - account.debt
    assert account.pending_points == pending


@given(points_accounts(), st.data())
def test_spending_then_refunding_the_whole_order_restores_the_balance(
    account: PointsAccount, data: st.DataObject
) -> None:
    at = last_moment(account) + timedelta(hours=1)
    account, _ = account.expire(at)
    if account.balance() <= 0:
        return
    points = data.draw(st.integers(1, account.balance()))
    total = Money("10.00", "CNY")

    spent, _ = account.spend(points, key="spend:law", at=at, order_id="order-law")
    refunded, _ = spent.refund(
        "order-law", refunded=total, order_total=total, key="refund:law", at=at
    )

    assert refunded.balance() == account.balance()
    assert [lot.remaining for lot in refunded.lots()] == [lot.remaining for lot in account.lots()]


@given(points_accounts(), st.sampled_from(["earn", "spend", "expire"]), st.integers(1, 50))
def test_a_command_applied_again_changes_nothing(
    account: PointsAccount, command: str, points: int
) -> None:
    at = last_moment(account) + timedelta(days=1)
    try:
        if command == "earn":
            once, _ = account.earn(points, key="again", at=at)
            twice, entries = once.earn(points, key="again", at=at)
        elif command == "spend":
            once, _ = account.spend(points, key="again", at=at)
            twice, entries = once.spend(points, key="again", at=at)
        else:
            once, _ = account.expire(at)
            twice, entries = once.expire(at)
    except NotEnoughPoints:
        return

    assert twice == once
    assert twice.version == once.version
    assert entries == ()


@given(points_accounts(), st.integers(0, 800))
def test_expiry_never_takes_points_that_have_not_expired(
    account: PointsAccount, days_later: int
) -> None:
    now = last_moment(account) + timedelta(days=days_later)

    swept, entries = account.expire(now)

    for entry in entries:
        if entry.kind is EntryKind.EXPIRED:
            assert entry.lot_id is not None
            assert swept.lot(entry.lot_id).is_expired(now)
    for before, after in zip(account.lots(), swept.lots(), strict=True):
        if not before.is_expired(now):
            assert after.remaining == before.remaining or before.is_pending()


@given(points_accounts(), st.integers(0, 800))
def test_after_a_sweep_no_available_lot_holds_expired_points(
    account: PointsAccount, days_later: int
) -> None:
    now = last_moment(account) + timedelta(days=days_later)

    swept, _ = account.expire(now)

    assert not [
        lot
        for lot in swept.lots()
        if lot.remaining and not lot.is_pending() and lot.is_expired(now)
    ]


@given(points_accounts())
def test_the_balance_just_after_the_last_entry_is_the_balance(account: PointsAccount) -> None:
    assert account.balance(at=last_moment(account)) == account.balance()


@given(points_accounts())
def test_the_ledger_is_in_time_order(account: PointsAccount) -> None:
    moments = [entry.at for entry in account.ledger()]

    assert moments == sorted(moments)


@given(points_accounts(), st.integers(0, 800))
def test_time_alone_never_releases_points_held_for_an_order(
    account: PointsAccount, days_later: int
) -> None:
    held = {lot.id: lot.remaining for lot in account.lots() if lot.held and lot.remaining}

    swept, _ = account.expire(last_moment(account) + timedelta(days=days_later))

    assert {lot.id: lot.remaining for lot in swept.lots() if lot.held and lot.remaining} == held
