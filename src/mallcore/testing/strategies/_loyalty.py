"""Strategies for loyalty: expiry and account policies, points accounts, earning, tiers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from mallcore.errors import NotEnoughPoints
from mallcore.loyalty import (
    AccountPolicy,
    ActionAward,
    ActionRule,
    Benefits,
    BirthdayRule,
    ClawbackPolicy,
    EarnedPart,
    Earning,
    EarningLine,
    EarningPolicy,
    Entry,
    ExpiryPolicy,
    ExpiryRule,
    Growth,
    Lot,
    LotShare,
    Member,
    MemberRegistered,
    Membership,
    Multiplier,
    NegativeBalancePolicy,
    OrderPoints,
    OverCap,
    PointsAccount,
    PointsRecorded,
    Purchase,
    Redemption,
    RedemptionPolicy,
    ReviewPolicy,
    ReviewRule,
    StreakBonus,
    Tier,
    TierChanged,
    TierProgram,
    action_points,
    points_for,
    redeem,
)
from mallcore.money import Money, currency_exponent
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._ids import ids
from mallcore.testing.strategies._parts import parts_of

__all__ = [
    "LOYALTY_EPOCH",
    "account_policies",
    "action_awards",
    "action_rules",
    "benefits",
    "earned_parts",
    "earning_lines",
    "earning_policies",
    "earnings",
    "expiry_policies",
    "growths",
    "lot_shares",
    "member_registered_events",
    "member_tiers",
    "members",
    "memberships",
    "multipliers",
    "order_points",
    "points_accounts",
    "points_entries",
    "points_lots",
    "points_recorded_events",
    "purchases",
    "redemption_policies",
    "redemptions",
    "review_policies",
    "streak_bonuses",
    "tier_changed_events",
    "tier_programs",
]

LOYALTY_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""The moment generated accounts start from; their commands follow it by hours."""

_ZONES = ("Asia/Shanghai", "Asia/Tokyo", "America/New_York", "UTC")
_CATEGORIES = ("tea", "food", "gift-cards")
_SKUS = ("sku-1", "sku-2", "sku-3")


def _money(currency: str, low: int, high: int) -> st.SearchStrategy[Money]:
    scale = 10 ** currency_exponent(currency)
    return st.integers(low * scale, high * scale).map(lambda n: Money.from_minor(n, currency))


def _rates(max_value: int = 5) -> st.SearchStrategy[Decimal]:
    return st.integers(0, 4 * max_value).map(lambda n: Decimal(n) / 4)


def expiry_policies() -> st.SearchStrategy[ExpiryPolicy]:
    """Every expiry rule (1 to 400 days for DAYS_AFTER) in a spread of time zones."""
    zones = st.sampled_from(_ZONES)
    return st.builds(
        ExpiryPolicy,
        rule=st.sampled_from([r for r in ExpiryRule if r is not ExpiryRule.DAYS_AFTER]),
        time_zone=zones,
    ) | st.builds(
        ExpiryPolicy, rule=st.just(ExpiryRule.DAYS_AFTER), days=st.integers(1, 400), time_zone=zones
    )


def account_policies() -> st.SearchStrategy[AccountPolicy]:
    """Every combination of expiry, clawback and negative-balance policy."""
    return st.builds(
        AccountPolicy,
        expiry=expiry_policies(),
        clawback=st.sampled_from(ClawbackPolicy),
        negative_balance=st.sampled_from(NegativeBalancePolicy),
    )


_KINDS = st.sampled_from(["earn", "earn", "spend", "release", "refund", "expire"])
_ORDERS = st.integers(0, 5).map(lambda n: f"order-{n}")
_GAPS = st.integers(1, 24 * 60).map(lambda hours: timedelta(hours=hours))
_LOCKS = st.none() | st.integers(1, 30 * 24).map(lambda hours: timedelta(hours=hours))
_POINTS = st.integers(1, 500)
_ORDER_TOTALS = st.integers(100, 50_000).map(lambda fen: Money.from_minor(fen, "CNY"))
_BIRTHDAYS = st.dates(min_value=date(1950, 1, 1), max_value=date(2010, 1, 1))
_SHARES = st.integers(1, 1000)
"""A share of something, in thousandths: drawn once, not a new strategy per bound."""


def _part(whole: int, thousandths: int) -> int:
    """At least 1 and at most ``whole``: ``thousandths`` of it, rounded up."""
    return max(1, -(-whole * thousandths // 1000))


@st.composite
def points_accounts(
    draw: st.DrawFn, *, policy: AccountPolicy | None = None, max_commands: int = 8
) -> PointsAccount:
    """Accounts built by a random run of earn, spend, release, refund and expire commands.

    Commands are an hour to 60 days apart from :data:`LOYALTY_EPOCH`; orders
    are worth 1 to 500 CNY; some earnings are pending (locked until a time,
    or held until a release gives them one), some orders refunded.
    """
    account = PointsAccount.open("member-1", policy=policy or draw(account_policies()))
    at = LOYALTY_EPOCH
    totals: dict[str, Money] = {}
    refunded: dict[str, Money] = {}
    for step in range(draw(st.integers(0, max_commands))):
        at += draw(_GAPS)
        kind, order = draw(_KINDS), draw(_ORDERS)
        record = account.order(order)
        if kind == "earn" and (record is None or record.earned_lot is None):
            lock = draw(_LOCKS)
            totals.setdefault(order, draw(_ORDER_TOTALS))
            account, _ = account.earn(
                draw(_POINTS),
                key=f"earn:{order}",
                at=at,
                order_id=order,
                locked_until=None if lock is None else at + lock,
                held=lock is None and draw(st.booleans()),
            )
        elif kind == "spend" and account.balance() > 0 and (record is None or not record.spent):
            totals.setdefault(order, draw(_ORDER_TOTALS))
            try:
                account, _ = account.spend(
                    _part(account.balance(), draw(_SHARES)),
                    key=f"spend:{order}",
                    at=at,
                    order_id=order,
                )
            except NotEnoughPoints:
                continue
        elif kind == "release" and record is not None and record.earned_lot is not None:
            window = draw(_LOCKS)
            account, _ = account.release(
                order,
                key=f"release:{order}:{step}",
                at=at,
                until=None if window is None else at + window,
            )
        elif kind == "refund" and record is not None:
            left = totals[order] - refunded.get(order, Money.zero("CNY"))
            if left.is_zero():
                continue
            amount = Money.from_minor(_part(left.minor_units, draw(_SHARES)), "CNY")
            refunded[order] = refunded.get(order, Money.zero("CNY")) + amount
            account, _ = account.refund(
                order, refunded=amount, order_total=totals[order], key=f"refund:{step}", at=at
            )
        elif kind == "expire":
            account, _ = account.expire(at)
    return account


def multipliers(targets: Sequence[str] = _CATEGORIES + _SKUS) -> st.SearchStrategy[Multiplier]:
    """Multipliers of SKUs or categories among ``targets``, in quarter steps up to 5."""
    return st.builds(Multiplier, st.sampled_from(targets), _rates())


def earning_policies() -> st.SearchStrategy[EarningPolicy]:
    """Earning policies with rates and multipliers in quarter steps up to 5."""
    return st.builds(
        EarningPolicy,
        points_per_unit=_rates(),
        include_freight=st.booleans(),
        sku_multipliers=st.lists(multipliers(_SKUS), max_size=2, unique_by=lambda m: m.target),
        category_multipliers=st.lists(
            multipliers(_CATEGORIES), max_size=3, unique_by=lambda m: m.target
        ),
        birthday_multiplier=_rates().map(lambda rate: rate + 1),
        birthday_rule=st.sampled_from(BirthdayRule),
        time_zone=st.sampled_from(_ZONES),
    )


def earning_lines(currency: str = "CNY") -> st.SearchStrategy[EarningLine]:
    """A purchased line as earning sees it: a SKU, its categories, up to 1,000 units paid."""
    return st.builds(
        EarningLine,
        sku_id=st.sampled_from(_SKUS),
        category_ids=st.frozensets(st.sampled_from(_CATEGORIES), max_size=2),
        paid=_money(currency, 0, 1000),
    )


@st.composite
def purchases(draw: st.DrawFn, currency: str = "CNY", *, max_size: int = 5) -> Purchase:
    """Purchases in ``currency``: up to ``max_size`` lines of up to 1,000 units each, freight."""
    lines = draw(st.lists(earning_lines(currency), max_size=max_size))
    return Purchase(
        currency=currency,
        lines=lines,
        freight_paid=draw(st.none() | _money(currency, 0, 20)),
        tier_multiplier=draw(_rates(3).map(lambda rate: rate + 1)),
        birthday=draw(st.none() | _BIRTHDAYS),
        at=draw(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)))
        .replace(tzinfo=UTC)
        .replace(microsecond=0),
    )


@st.composite
def redemption_policies(draw: st.DrawFn, currency: str = "CNY") -> RedemptionPolicy:
    """Redemption policies in ``currency``: any rate, minimum, step, caps and combinations."""
    return RedemptionPolicy(
        points_per_unit=draw(st.sampled_from([1, 10, 50, 100, 1000, 3])),
        min_points=draw(st.integers(0, 500)),
        step=draw(st.sampled_from([1, 10, 100])),
        max_share=draw(st.none() | st.integers(1, 100).map(Decimal)),
        max_amount=draw(st.none() | _money(currency, 1, 100)),
        over_cap=draw(st.sampled_from(OverCap)),
        covers_freight=draw(st.booleans()),
        with_coupons=draw(st.booleans()),
    )


def benefits(currency: str = "CNY") -> st.SearchStrategy[Benefits]:
    """Any tier benefits: a discount or none, free shipping from 0 to 200 or none, a multiplier."""
    return st.builds(
        Benefits,
        percent_off=st.none() | st.integers(1, 99).map(Decimal),
        free_shipping_threshold=st.none() | _money(currency, 0, 200),
        points_multiplier=st.integers(4, 12).map(lambda n: Decimal(n) / 4),
        birthday_coupon_id=st.none() | st.just("birthday"),
    )


def review_policies() -> st.SearchStrategy[ReviewPolicy]:
    """No review, a rolling window of 1 to 365 days, or a review every 1 to 365 days."""
    return (
        st.just(ReviewPolicy())
        | st.builds(ReviewPolicy, rule=st.just(ReviewRule.ROLLING), window_days=st.integers(1, 365))
        | st.builds(
            ReviewPolicy,
            rule=st.just(ReviewRule.PERIODIC),
            every_days=st.integers(1, 365),
            reset=st.booleans(),
        )
    )


@st.composite
def tier_programs(draw: st.DrawFn, currency: str = "CNY", *, max_tiers: int = 4) -> TierProgram:
    """Programmes of 1 to ``max_tiers`` tiers (thresholds up to 10,000), their benefits in
    ``currency``, and any review policy."""
    steps = draw(st.lists(st.integers(1, 2500), max_size=max_tiers - 1))
    thresholds = [sum(steps[:n]) for n in range(len(steps) + 1)]
    tiers = [
        Tier(
            id=f"tier-{n}",
            threshold=threshold,
            retention=draw(st.none() | st.integers(0, threshold)),
            benefits=draw(benefits(currency)),
        )
        for n, threshold in enumerate(thresholds)
    ]
    return TierProgram(tiers=tiers, review=draw(review_policies()))


@st.composite
def memberships(draw: st.DrawFn, program: TierProgram | None = None) -> Membership:
    """Members of ``program`` (drawn if None) after up to 8 growths, days apart."""
    program = program or draw(tier_programs())
    at = LOYALTY_EPOCH
    member = Membership.join("member-1", program, at=at)
    for n in range(draw(st.integers(0, 8))):
        at += timedelta(days=draw(st.integers(0, 60)))
        member, _ = member.grow(draw(st.integers(1, 2000)), key=f"g-{n}", at=at, program=program)
    return member


def points_entries() -> st.SearchStrategy[Entry]:
    """A ledger entry of an account from :func:`points_accounts`."""
    return parts_of(points_accounts(), lambda account: account.ledger())


def points_lots() -> st.SearchStrategy[Lot]:
    """A lot of an account from :func:`points_accounts`, whole, partly used or expired."""
    return parts_of(points_accounts(), lambda account: account.lots())


def order_points() -> st.SearchStrategy[OrderPoints]:
    """The points record of an order of an account from :func:`points_accounts`."""
    return parts_of(points_accounts(), lambda account: account.orders())


def lot_shares() -> st.SearchStrategy[LotShare]:
    """Points of a lot spent by an order: 1 to 500 of one of the first ten lots."""
    return st.builds(LotShare, st.integers(0, 9), _POINTS)


def points_recorded_events() -> st.SearchStrategy[PointsRecorded]:
    """An entry written to an account from :func:`points_accounts`, as its event."""
    return parts_of(
        points_accounts(),
        lambda account: [PointsRecorded(account.account_id, entry) for entry in account.ledger()],
    )


def streak_bonuses() -> st.SearchStrategy[StreakBonus]:
    """Up to 100 points more on a day of a sign-in streak up to 30 days."""
    return st.builds(StreakBonus, st.integers(1, 30), st.integers(0, 100))


def action_rules() -> st.SearchStrategy[ActionRule]:
    """Rules for sign-in, review and share: up to 50 points, any caps, streak bonuses."""
    caps = st.none() | st.integers(0, 31)
    return st.builds(
        ActionRule,
        action=st.sampled_from(["sign-in", "review", "share"]),
        points=st.integers(0, 50),
        daily_cap=caps,
        period_cap=caps,
        streak_bonuses=st.lists(streak_bonuses(), max_size=3, unique_by=lambda bonus: bonus.day),
        time_zone=st.sampled_from(_ZONES),
    )


@st.composite
def action_awards(draw: st.DrawFn) -> ActionAward:
    """The award :func:`~mallcore.loyalty.action_points` gives after up to 10 earlier actions."""
    rule = draw(action_rules())
    earlier = sorted(LOYALTY_EPOCH + gap for gap in draw(st.lists(_GAPS, max_size=10)))
    at = (earlier[-1] if earlier else LOYALTY_EPOCH) + draw(_GAPS)
    return action_points(rule, at, earlier)


def earnings(currency: str = "CNY") -> st.SearchStrategy[Earning]:
    """What a purchase from :func:`purchases` earns under a policy from :func:`earning_policies`."""
    return st.builds(points_for, purchases(currency), earning_policies())


def earned_parts() -> st.SearchStrategy[EarnedPart]:
    """Up to 10,000 points given by a named rule."""
    return st.builds(
        EarnedPart, st.sampled_from(["base", "sku:sku-1", "category:tea"]), st.integers(0, 10_000)
    )


@st.composite
def redemptions(draw: st.DrawFn, currency: str = "CNY") -> Redemption:
    """What :func:`~mallcore.loyalty.redeem` gives for up to 10,000 points on up to 1,000 units."""
    return redeem(
        draw(redemption_policies(currency)),
        available=draw(st.integers(0, 10_000)),
        goods=draw(_money(currency, 0, 1000)),
        freight=draw(st.none() | _money(currency, 0, 20)),
        requested=draw(st.none() | st.integers(0, 10_000)),
        coupons_used=draw(st.booleans()),
    )


def growths() -> st.SearchStrategy[Growth]:
    """A growth credited to a member from :func:`memberships`."""
    return parts_of(memberships(), lambda member: member.history)


def member_tiers(currency: str = "CNY") -> st.SearchStrategy[Tier]:
    """A tier of a programme from :func:`tier_programs`."""
    return parts_of(tier_programs(currency), lambda program: program.tiers)


@st.composite
def members(draw: st.DrawFn) -> Member:
    """Members registered at LOYALTY_EPOCH, with a birthday or not, in a tier programme or not."""
    membership = draw(st.none() | memberships())
    return Member(
        customer_id="member-1",
        registered_at=LOYALTY_EPOCH,
        birthday=draw(st.none() | _BIRTHDAYS),
        membership=membership,
        version=draw(st.integers(0, 9)),
    )


def member_registered_events() -> st.SearchStrategy[MemberRegistered]:
    """A customer registered as a member."""
    return st.builds(MemberRegistered, ids(max_size=24), aware_datetimes())


def tier_changed_events() -> st.SearchStrategy[TierChanged]:
    """A member moved between two distinct tiers, and why."""
    return st.builds(
        lambda member_id, moved, at, reason: TierChanged(member_id, moved[0], moved[1], at, reason),
        ids(max_size=24),
        st.permutations(["tier-0", "tier-1", "tier-2"]).map(lambda tiers: tiers[:2]),
        aware_datetimes(),
        st.sampled_from(["threshold reached", "rolling review", "periodic review"]),
    )
