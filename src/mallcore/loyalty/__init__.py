"""Loyalty (会员积分与等级): a points ledger that never loses a point, earning, redemption, tiers.

- :class:`PointsAccount` (``account``): an immutable aggregate of lots and
  a ledger; commands ``earn``, ``spend``, ``release``, ``refund`` and
  ``expire`` return the new account and its ledger entries, are idempotent
  by key, and follow an :class:`AccountPolicy` (expiry, clawback, negative
  balance).
- :class:`ExpiryPolicy` (``expiry``): never, N days after, end of month,
  end of year, end of next year, in the merchant's time zone.
- :func:`points_for` and :func:`action_points` (``earning``): the points a
  purchase or an action earns, and the rule behind each part.
- :func:`redeem` (``redemption``): how many points an order may use and the
  money they take off, for the pricing engine to apportion.
- :class:`TierProgram` and :class:`Membership` (``tiers``): growth value,
  thresholds reached at equality, benefits, upgrade at once and review.

loyalty reads money, errors and catalog; it never imports pricing,
shipping or orders (pricing reads loyalty). docs/loyalty.md has the rules
and worked examples.
"""

from mallcore.loyalty.account import (
    AccountPolicy,
    ClawbackPolicy,
    Entry,
    EntryKind,
    Lot,
    LotShare,
    NegativeBalancePolicy,
    OrderPoints,
    PointsAccount,
    PointsRecorded,
)
from mallcore.loyalty.earning import (
    ActionAward,
    ActionRule,
    BirthdayRule,
    EarnedPart,
    Earning,
    EarningLine,
    EarningPolicy,
    Multiplier,
    Purchase,
    StreakBonus,
    action_points,
    points_for,
)
from mallcore.loyalty.expiry import ExpiryPolicy, ExpiryRule
from mallcore.loyalty.members import Member, MemberRegistered
from mallcore.loyalty.redemption import (
    OverCap,
    Redemption,
    RedemptionPolicy,
    RedemptionStatus,
    redeem,
)
from mallcore.loyalty.tiers import (
    Benefits,
    Growth,
    Membership,
    ReviewPolicy,
    ReviewRule,
    Tier,
    TierChanged,
    TierProgram,
)

__all__ = [
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
