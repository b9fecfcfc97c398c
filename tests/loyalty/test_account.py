"""The points account: earning, spending, pending points, refunds, debt, expiry, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from mallcore.errors import InvalidValue, NotEnoughPoints, NotFound
from mallcore.loyalty import (
    AccountPolicy,
    ClawbackPolicy,
    EntryKind,
    ExpiryPolicy,
    ExpiryRule,
    NegativeBalancePolicy,
    PointsAccount,
)
from mallcore.money import Money

AT = datetime(2026, 3, 1, 10, tzinfo=UTC)
DAY = timedelta(days=1)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def account_with(*earnings: int, policy: AccountPolicy | None = None) -> PointsAccount:
    account = PointsAccount.open("member-1", policy=policy)
    for n, points in enumerate(earnings):
        account, _ = account.earn(points, key=f"earn:{n}", at=AT, order_id=f"order-{n}")
    return account


def test_a_40_yuan_order_that_earned_70_points_gives_back_35_when_20_yuan_is_refunded() -> None:
    # The example of issue 5 (proportional clawback)
    account = account_with(70)

    account, entries = account.refund(
        "order-0", refunded=cny("20.00"), order_total=cny("40.00"), key="refund:R1", at=AT + DAY
    )

    assert account.balance() == 35
    assert [(e.kind, e.points) for e in entries] == [(EntryKind.CLAWED_BACK, -35)]


def test_the_second_half_of_a_refund_takes_back_the_rest_exactly() -> None:
    account = account_with(71)
    account, _ = account.refund(
        "order-0", refunded=cny("20.00"), order_total=cny("40.00"), key="refund:R1", at=AT
    )

    account, _ = account.refund(
        "order-0", refunded=cny("20.00"), order_total=cny("40.00"), key="refund:R2", at=AT
    )

    assert account.balance() == 0
    assert account.order("order-0") is not None
    assert account.order("order-0").clawed == 71  # type: ignore[union-attr]


def test_whole_order_clawback_takes_everything_at_the_first_partial_refund() -> None:
    account = account_with(70, policy=AccountPolicy(clawback=ClawbackPolicy.WHOLE_ORDER))

    account, _ = account.refund(
        "order-0", refunded=cny("1.00"), order_total=cny("40.00"), key="refund:R1", at=AT
    )

    assert account.balance() == 0


def test_a_clawback_larger_than_the_balance_is_forgiven_below_zero_by_default() -> None:
    account = account_with(100)
    account, _ = account.spend(80, key="spend:S", at=AT)

    account, entries = account.refund(
        "order-0", refunded=cny("10.00"), order_total=cny("10.00"), key="refund:R", at=AT
    )

    assert account.balance() == 0
    assert entries[0].points == -20
    assert account.order("order-0").forgiven == 80  # type: ignore[union-attr]


def test_a_debt_from_a_clawback_is_repaid_by_the_next_earning_first() -> None:
    policy = AccountPolicy(negative_balance=NegativeBalancePolicy.ALLOW_DEBT)
    account = account_with(100, policy=policy)
    account, _ = account.spend(80, key="spend:S", at=AT)
    account, _ = account.refund(
        "order-0", refunded=cny("10.00"), order_total=cny("10.00"), key="refund:R", at=AT
    )
    assert (account.balance(), account.debt) == (-80, 80)

    account, _ = account.earn(50, key="earn:later", at=AT + DAY)

    assert (account.balance(), account.debt) == (-30, 30)
    assert account.lots()[-1].remaining == 0


def test_spending_takes_the_oldest_lot_first() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(30, key="earn:old", at=AT)
    account, _ = account.earn(50, key="earn:new", at=AT + DAY)

    account, _ = account.spend(40, key="spend:S", at=AT + 2 * DAY)

    assert [lot.remaining for lot in account.lots()] == [0, 40]


def test_spending_more_than_the_balance_is_refused_and_changes_nothing() -> None:
    account = account_with(30)

    with pytest.raises(NotEnoughPoints) as refused:
        account.spend(31, key="spend:S", at=AT)

    assert (
        str(refused.value) == "points account 'member-1': 31 points requested but only 30 available"
    )
    assert account.balance() == 30
    assert not account.has_applied("spend:S")


def test_points_of_a_refunded_order_come_back_into_the_lots_they_were_spent_from() -> None:
    account = account_with(30, 50)
    account, _ = account.spend(40, key="spend:B", at=AT, order_id="order-B")

    account, entries = account.refund(
        "order-B", refunded=cny("99.00"), order_total=cny("99.00"), key="refund:B", at=AT + DAY
    )

    assert [lot.remaining for lot in account.lots()] == [30, 50]
    assert [(e.kind, e.points) for e in entries] == [(EntryKind.RETURNED, 40)]


def test_a_cancelled_order_gets_all_its_points_back_once() -> None:
    account = account_with(30, 50)
    account, _ = account.spend(40, key="spend:B", at=AT, order_id="order-B")

    account, entries = account.cancel("order-B", key="cancel:B", at=AT + DAY)
    again, repeated = account.cancel("order-B", key="cancel:B", at=AT + DAY)

    assert [lot.remaining for lot in account.lots()] == [30, 50]
    assert [(e.kind, e.points) for e in entries] == [(EntryKind.RETURNED, 40)]
    assert (again, repeated) == (account, ())


def test_cancelling_an_order_without_points_is_refused_by_name() -> None:
    with pytest.raises(LookupError, match="no points of order 'order-Z'"):
        account_with(30).cancel("order-Z", key="cancel:Z", at=AT)


def test_spent_points_whose_lot_has_expired_are_not_returned() -> None:
    policy = AccountPolicy(expiry=ExpiryPolicy(rule=ExpiryRule.DAYS_AFTER, days=30))
    account = account_with(100, policy=policy)
    account, _ = account.spend(60, key="spend:B", at=AT, order_id="order-B")

    account, entries = account.refund(
        "order-B", refunded=cny("5.00"), order_total=cny("5.00"), key="refund:B", at=AT + 60 * DAY
    )

    assert [(e.kind, e.points) for e in entries] == [(EntryKind.EXPIRED, -40)]
    assert account.order("order-B").returned == 60  # type: ignore[union-attr]


def test_pending_points_are_not_in_the_balance_until_released() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(70, key="earn:A", at=AT, order_id="A", locked_until=AT + 7 * DAY)
    assert (account.balance(), account.pending_points) == (0, 70)

    account, entries = account.release("A", key="complete:A", at=AT + DAY)

    assert (account.balance(), account.pending_points) == (70, 0)
    assert [entry.kind for entry in entries] == [EntryKind.RELEASED]


def test_pending_points_are_released_by_the_first_command_after_the_window_closes() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(70, key="earn:A", at=AT, order_id="A", locked_until=AT + 7 * DAY)

    account, entries = account.spend(70, key="spend:B", at=AT + 8 * DAY)

    assert [entry.kind for entry in entries] == [EntryKind.RELEASED, EntryKind.SPENT]
    assert account.balance() == 0


def test_a_refund_before_release_takes_the_points_from_pending() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(70, key="earn:A", at=AT, order_id="A", locked_until=AT + 7 * DAY)

    account, _ = account.refund(
        "A", refunded=cny("40.00"), order_total=cny("40.00"), key="refund:A", at=AT + DAY
    )

    assert (account.balance(), account.pending_points) == (0, 0)


def test_points_held_for_an_order_stay_pending_until_it_completes() -> None:
    account = PointsAccount.open("member-1")
    account, entries = account.earn(70, key="order:A:earned", at=AT, order_id="A", held=True)
    later, _ = account.expire(AT + 400 * DAY)
    assert (later.balance(), later.pending_points) == (0, 70)

    account, released = account.release("A", key="order:A:completed", at=AT + 5 * DAY)

    assert [entry.kind for entry in entries] == [EntryKind.PENDING]
    assert [entry.kind for entry in released] == [EntryKind.RELEASED]
    assert (account.balance(), account.pending_points) == (70, 0)


def test_completion_gives_held_points_their_release_at_the_end_of_the_window() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(70, key="order:A:earned", at=AT, order_id="A", held=True)
    completed = AT + 5 * DAY

    account, scheduled = account.release(
        "A", key="order:A:completed", at=completed, until=completed + 7 * DAY
    )
    still, _ = account.expire(completed + 7 * DAY - timedelta(seconds=1))
    after, swept = account.expire(completed + 7 * DAY)

    assert [entry.kind for entry in scheduled] == [EntryKind.SCHEDULED]
    assert account.lot(0).locked_until == completed + 7 * DAY
    assert (still.balance(), still.pending_points) == (0, 70)
    assert (after.balance(), after.pending_points) == (70, 0)
    assert [entry.kind for entry in swept] == [EntryKind.RELEASED]


def test_a_refund_in_the_window_takes_back_held_points_from_the_lot() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(70, key="order:A:earned", at=AT, order_id="A", held=True)
    account, _ = account.release("A", key="order:A:completed", at=AT + DAY, until=AT + 8 * DAY)

    account, _ = account.refund(
        "A", refunded=cny("20.00"), order_total=cny("40.00"), key="refund:R1", at=AT + 2 * DAY
    )
    account, _ = account.expire(AT + 8 * DAY)

    assert (account.balance(), account.pending_points) == (35, 0)


def test_held_points_keep_the_expiry_counted_from_their_earning() -> None:
    policy = AccountPolicy(expiry=ExpiryPolicy(rule=ExpiryRule.DAYS_AFTER, days=10))
    account = PointsAccount.open("member-1", policy=policy)
    account, _ = account.earn(70, key="order:A:earned", at=AT, order_id="A", held=True)

    account, entries = account.release("A", key="order:A:completed", at=AT + 20 * DAY)

    assert account.lot(0).expires_at == policy.expiry.expires_at(AT)
    assert [entry.kind for entry in entries] == [EntryKind.RELEASED, EntryKind.EXPIRED]
    assert account.balance() == 0


def test_a_release_time_before_the_release_is_refused_by_name() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(70, key="order:A:earned", at=AT, order_id="A", held=True)

    with pytest.raises(InvalidValue, match="until: must be after at"):
        account.release("A", key="order:A:completed", at=AT + DAY, until=AT + DAY)


def test_held_points_must_name_their_order_and_take_no_lock_time() -> None:
    account = PointsAccount.open("member-1")

    with pytest.raises(InvalidValue, match="order_id: must name the order of held points"):
        account.earn(70, key="earn:A", at=AT, held=True)
    with pytest.raises(InvalidValue, match="held: must not come with locked_until"):
        account.earn(70, key="earn:A", at=AT, order_id="A", held=True, locked_until=AT + DAY)


def test_pending_points_cannot_be_spent() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(70, key="earn:A", at=AT, order_id="A", locked_until=AT + 7 * DAY)

    with pytest.raises(NotEnoughPoints):
        account.spend(1, key="spend:B", at=AT + DAY)


def test_the_ledger_gives_the_balance_at_any_instant() -> None:
    account = account_with(100)
    account, _ = account.spend(30, key="spend:S", at=AT + DAY)

    assert account.balance(at=AT - DAY) == 0
    assert account.balance(at=AT) == 100
    assert account.balance(at=AT + DAY - timedelta(seconds=1)) == 100
    assert account.balance(at=AT + DAY) == 70


def test_a_command_applied_twice_changes_nothing_the_second_time() -> None:
    account = account_with(100)
    once, _ = account.spend(30, key="spend:S", at=AT)

    twice, entries = once.spend(30, key="spend:S", at=AT)

    assert twice is once
    assert entries == ()


def test_each_new_command_bumps_the_version_by_one() -> None:
    account = account_with(100)

    spent, _ = account.spend(30, key="spend:S", at=AT)

    assert (account.version, spent.version) == (1, 2)


def test_expiry_takes_expired_lots_and_nothing_else() -> None:
    policy = AccountPolicy(expiry=ExpiryPolicy(rule=ExpiryRule.END_OF_MONTH, time_zone="UTC"))
    account = PointsAccount.open("member-1", policy=policy)
    account, _ = account.earn(30, key="earn:march", at=AT)
    account, _ = account.earn(
        50,
        key="earn:march-31",
        at=datetime(2026, 3, 31, tzinfo=UTC),
        expiry=ExpiryPolicy(rule=ExpiryRule.DAYS_AFTER, days=30),
    )

    account, entries = account.expire(datetime(2026, 4, 3, tzinfo=UTC))

    assert [(e.kind, e.points, e.lot_id) for e in entries] == [(EntryKind.EXPIRED, -30, 0)]
    assert account.balance() == 50


def test_every_command_first_expires_the_lots_whose_expiry_has_come() -> None:
    policy = AccountPolicy(expiry=ExpiryPolicy(rule=ExpiryRule.DAYS_AFTER, days=1))
    account = PointsAccount.open("member-1", policy=policy)
    account, _ = account.earn(30, key="earn:old", at=AT)

    account, entries = account.earn(50, key="earn:new", at=AT + 5 * DAY)

    assert [(e.kind, e.points) for e in entries] == [
        (EntryKind.EXPIRED, -30),
        (EntryKind.EARNED, 50),
    ]
    assert account.balance() == 50


def test_a_command_dated_before_the_last_entry_is_recorded_at_the_last_entrys_time() -> None:
    account = account_with(100)

    late, entries = account.spend(1, key="spend:S", at=AT - timedelta(seconds=1))

    assert [entry.at for entry in entries] == [AT]
    assert late == account.spend(1, key="spend:S", at=AT)[0]


def test_an_order_earns_once() -> None:
    account = account_with(100)

    with pytest.raises(InvalidValue, match="has already earned points"):
        account.earn(5, key="earn:again", at=AT, order_id="order-0")


def test_refunding_more_than_the_order_is_refused() -> None:
    account = account_with(100)

    with pytest.raises(InvalidValue, match=r"over 40\.00 CNY"):
        account.refund(
            "order-0", refunded=cny("40.01"), order_total=cny("40.00"), key="refund:R", at=AT
        )


def test_refunding_an_order_without_points_is_not_found() -> None:
    with pytest.raises(NotFound):
        account_with(100).refund(
            "order-X", refunded=cny("1.00"), order_total=cny("2.00"), key="refund:R", at=AT
        )


def test_a_stored_account_with_a_ledger_that_does_not_add_up_is_refused() -> None:
    account = account_with(100)
    entry = account.ledger()[0]

    with pytest.raises(InvalidValue, match="balance"):
        PointsAccount.restore(
            "member-1",
            policy=account.policy,
            version=1,
            lots=account.lots(),
            ledger=[attrs.evolve(entry, balance=99)],
            orders=account.orders(),
            keys=account.keys(),
        )


def test_a_sweep_finds_an_expired_lot_behind_one_that_lasts_longer() -> None:
    account = PointsAccount.open("member-1")
    account, _ = account.earn(100, key="earn:order", at=AT)
    sign_in = ExpiryPolicy(rule=ExpiryRule.DAYS_AFTER, days=1, time_zone="UTC")
    account, _ = account.earn(5, key="earn:sign-in", at=AT, source="sign_in", expiry=sign_in)

    account, entries = account.expire(AT + 3 * DAY)

    assert [(e.kind, e.points, e.lot_id) for e in entries] == [(EntryKind.EXPIRED, -5, 1)]
    assert account.balance() == 100
