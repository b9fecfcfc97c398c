"""Every loyalty type round-trips through mallcore.serialization unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import InvalidDocument
from mallcore.loyalty import (
    AccountPolicy,
    ActionRule,
    EarningPolicy,
    ExpiryPolicy,
    Membership,
    PointsAccount,
    Purchase,
    RedemptionPolicy,
    StreakBonus,
    TierProgram,
)
from mallcore.serialization import dumps, loads, unstructure
from mallcore.testing.strategies import (
    account_policies,
    earning_policies,
    expiry_policies,
    memberships,
    points_accounts,
    purchases,
    redemption_policies,
    tier_programs,
)

CASES: list[tuple[type[Any], st.SearchStrategy[Any]]] = [
    (AccountPolicy, account_policies()),
    (EarningPolicy, earning_policies()),
    (ExpiryPolicy, expiry_policies()),
    (Membership, memberships()),
    (PointsAccount, points_accounts()),
    (Purchase, purchases()),
    (RedemptionPolicy, redemption_policies()),
    (TierProgram, tier_programs()),
]


@pytest.mark.parametrize(("cls", "values"), CASES, ids=[cls.__name__ for cls, _ in CASES])
def test_each_loyalty_type_reads_back_what_it_wrote(
    cls: type[Any], values: st.SearchStrategy[Any]
) -> None:
    @given(values)
    def round_trip(value: Any) -> None:
        assert loads(dumps(value), cls) == value

    round_trip()


@given(points_accounts())
def test_a_restored_account_carries_on_like_the_original(account: PointsAccount) -> None:
    restored = loads(dumps(account), PointsAccount)

    assert restored.balance() == account.balance()
    assert restored.pending_points == account.pending_points
    assert restored.debt == account.debt
    assert restored.keys() == account.keys()


def test_an_action_rule_is_written_as_plain_json() -> None:
    rule = ActionRule(action="sign_in", points=5, streak_bonuses=(StreakBonus(7, 30),))

    assert unstructure(rule) == {
        "action": "sign_in",
        "points": 5,
        "daily_cap": 1,
        "period_cap": None,
        "streak_bonuses": [{"day": 7, "points": 30}],
        "time_zone": "Asia/Shanghai",
    }


def test_a_stored_account_whose_lots_do_not_match_its_ledger_does_not_load() -> None:
    data = unstructure(PointsAccount.open("member-1"))
    data["lots"] = [
        {
            "id": 0,
            "points": 10,
            "remaining": 10,
            "earned_at": "2026-01-01T00:00:00+08:00",
            "expires_at": None,
            "locked_until": None,
            "source": "purchase",
            "order_id": None,
        }
    ]

    with pytest.raises(InvalidDocument, match="does not match the lots"):
        loads(json.dumps(data), PointsAccount)
