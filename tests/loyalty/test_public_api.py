"""The public surface of mallcore.loyalty: pinned, documented, importable without test tools."""

from __future__ import annotations

import subprocess
import sys

import mallcore.loyalty
from mallcore.errors import MallcoreError, NotEnoughPoints


def test_the_package_exports_exactly_its_chosen_names() -> None:
    assert mallcore.loyalty.__all__ == [
        "AccountPolicy",
        "ActionAward",
        "ActionRule",
        "Benefits",
        "BirthdayRule",
        "ClawbackPolicy",
        "EarnedPart",
        "Earning",
        "EarningLine",
        "EarningPolicy",
        "Entry",
        "EntryKind",
        "ExpiryPolicy",
        "ExpiryRule",
        "Growth",
        "Lot",
        "LotShare",
        "Member",
        "MemberRegistered",
        "Membership",
        "Multiplier",
        "NegativeBalancePolicy",
        "OrderPoints",
        "OverCap",
        "PointsAccount",
        "PointsRecorded",
        "Purchase",
        "Redemption",
        "RedemptionPolicy",
        "RedemptionStatus",
        "ReviewPolicy",
        "ReviewRule",
        "StreakBonus",
        "Tier",
        "TierChanged",
        "TierProgram",
        "action_points",
        "points_for",
        "redeem",
    ]


def test_importing_loyalty_imports_no_test_tools_and_no_pricing() -> None:
    code = (
        "import sys, mallcore.loyalty; "
        "print(sorted({'hypothesis', 'pytest', 'mallcore.pricing', 'mallcore.shipping', "
        "'mallcore.orders'} & set(sys.modules)))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


def test_not_enough_points_names_the_account_and_both_counts() -> None:
    error = NotEnoughPoints("member-1", 500, 120)

    assert isinstance(error, MallcoreError)
    assert str(error) == "points account 'member-1': 500 points requested but only 120 available"
    assert (error.account_id, error.requested, error.available) == ("member-1", 500, 120)
