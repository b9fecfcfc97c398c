"""Member tiers (会员等级): growth value, thresholds, benefits, upgrade and review.

Rules:

- Growth value (成长值) comes from spend and actions; the host decides how
  much (often 1 per yuan paid) and calls :meth:`Membership.grow`.
- A :class:`TierProgram` lists tiers by ascending ``threshold``; the first
  starts at 0. A threshold is **reached at equality**: 1,000 growth with a
  1,000 threshold is that tier.
- Upgrade is at once: growing past a threshold moves the member up in the
  same command.
- Review (:meth:`Membership.review`, a command that takes ``now``) follows
  the programme's :class:`ReviewPolicy`:

  * ``NONE``: tiers are for life; review changes nothing.
  * ``ROLLING``: the tier is the one the growth of the last ``window_days``
    reaches, recomputed at each review (down as well as up); upgrades at
    once count the same window.
  * ``PERIODIC``: every ``every_days`` from joining, a member whose growth in
    the period is below the tier's ``retention`` (its threshold unless set)
    drops to the highest tier whose retention that growth meets, and its
    counted growth is cut to just below the tier it lost (so the next growth
    does not undo the review); with ``reset`` the counted growth starts again
    from zero at every review.

- Benefits are plain values (:class:`Benefits`) that the pricing and shipping
  quote read: a tier discount rate or a member price key, a free-shipping
  threshold, a points multiplier and a birthday coupon.

>>> from datetime import datetime, timezone
>>> program = TierProgram(tiers=(Tier(id="normal", threshold=0), Tier(id="gold", threshold=1000)))
>>> at = datetime(2026, 11, 11, tzinfo=timezone.utc)
>>> member = Membership.join("m-1", program, at=at)
>>> member, _ = member.grow(1000, key="order:A1", at=at, program=program)
>>> member.tier_id
'gold'
"""

from __future__ import annotations

import enum
import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from mallcore._fields import (
    aware,
    decimal_field,
    members,
    money,
    non_negative,
    non_negative_decimal,
    positive,
    string,
    text,
    to_decimal,
    to_tuple,
)
from mallcore.errors import InvalidValue, NotFound
from mallcore.money import Money

__all__ = [
    "Benefits",
    "Growth",
    "Membership",
    "ReviewPolicy",
    "ReviewRule",
    "Tier",
    "TierChanged",
    "TierProgram",
]


@attrs.frozen(kw_only=True)
class Benefits:
    """What a tier grants: read by the pricing and shipping quote."""

    percent_off: Decimal | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(to_decimal),
        validator=attrs.validators.optional(decimal_field),
    )
    """The tier discount (会员折扣) on every unit: 5 is 5% off, 95折.

    A per-SKU member price (会员价) is a pricing ``UnitPrice`` whose audience
    names the tier; the quote weighs it against this discount unit by unit.
    """
    free_shipping_threshold: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(money)
    )
    """Free shipping from this goods amount on (包邮门槛); zero is always free."""
    points_multiplier: Decimal = attrs.field(
        default=Decimal(1), converter=to_decimal, validator=non_negative_decimal
    )
    """What the points an order earns are multiplied by (the ``Purchase``'s tier multiplier)."""
    birthday_coupon_id: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(string)
    )
    """The coupon a member of the tier receives in their birthday month."""

    def __attrs_post_init__(self) -> None:
        if self.percent_off is not None and not Decimal(0) < self.percent_off < Decimal(100):
            raise InvalidValue("percent_off", self.percent_off, "must be a percentage in (0, 100)")
        if self.free_shipping_threshold is not None and self.free_shipping_threshold.is_negative():
            raise InvalidValue(
                "free_shipping_threshold", self.free_shipping_threshold, "must not be negative"
            )
        if not self.points_multiplier.is_finite() or self.points_multiplier < 1:
            raise InvalidValue("points_multiplier", self.points_multiplier, "must be at least 1")


@attrs.frozen(kw_only=True)
class Tier:
    """A tier: reached when growth equals or passes ``threshold``; its benefits."""

    id: str = attrs.field(validator=text)
    name: str = ""
    threshold: int = attrs.field(validator=non_negative)
    retention: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative)
    )
    """Growth per review period needed to keep the tier (PERIODIC); None: the threshold."""
    benefits: Benefits = attrs.Factory(Benefits)

    @property
    def kept_with(self) -> int:
        """The growth per review period that keeps this tier."""
        return self.threshold if self.retention is None else self.retention


class ReviewRule(enum.Enum):
    """How tiers are reviewed (保级 / 降级)."""

    NONE = "none"
    """Tiers are for life."""
    ROLLING = "rolling"
    """The tier follows the growth of a rolling window, down as well as up."""
    PERIODIC = "periodic"
    """Every N days, a tier not kept by the period's growth drops."""


@attrs.frozen(kw_only=True)
class ReviewPolicy:
    """When and how tiers go down."""

    rule: ReviewRule = ReviewRule.NONE
    window_days: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive)
    )
    every_days: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive)
    )
    reset: bool = False

    def __attrs_post_init__(self) -> None:
        if (self.rule is ReviewRule.ROLLING) != (self.window_days is not None):
            raise InvalidValue("window_days", self.window_days, "is set exactly for ROLLING")
        if (self.rule is ReviewRule.PERIODIC) != (self.every_days is not None):
            raise InvalidValue("every_days", self.every_days, "is set exactly for PERIODIC")
        if self.reset and self.rule is not ReviewRule.PERIODIC:
            raise InvalidValue("reset", self.reset, "is only used with PERIODIC")


@attrs.frozen(kw_only=True)
class TierProgram:
    """The tiers, lowest first, and their review policy."""

    tiers: tuple[Tier, ...] = attrs.field(converter=to_tuple, validator=members(Tier, "Tier"))
    review: ReviewPolicy = attrs.Factory(ReviewPolicy)

    def __attrs_post_init__(self) -> None:
        thresholds = [tier.threshold for tier in self.tiers]
        if not self.tiers or thresholds[0] != 0:
            raise InvalidValue("tiers", thresholds, "must start with a tier at threshold 0")
        if any(a >= b for a, b in itertools.pairwise(thresholds)):
            raise InvalidValue("tiers", thresholds, "must have strictly ascending thresholds")
        ids = [tier.id for tier in self.tiers]
        if len(set(ids)) != len(ids):
            raise InvalidValue("tiers", ids, "must have distinct ids")

    def tier(self, tier_id: str) -> Tier:
        """The tier ``tier_id``, or NotFound."""
        for tier in self.tiers:
            if tier.id == tier_id:
                return tier
        raise NotFound("tier", tier_id)

    def rank(self, tier_id: str) -> int:
        """The tier's position, 0 for the lowest."""
        return self.tiers.index(self.tier(tier_id))

    def tier_for(self, growth: int) -> Tier:
        """The highest tier whose threshold ``growth`` reaches (at equality)."""
        return [tier for tier in self.tiers if tier.threshold <= growth][-1]


@attrs.frozen
class Growth:
    """``points`` of growth value gained at ``at`` by the command ``key``."""

    key: str
    at: datetime
    points: int


@attrs.frozen
class TierChanged:
    """The member moved from one tier to another, and why."""

    member_id: str
    from_tier: str
    to_tier: str
    at: datetime
    reason: str


@attrs.frozen(kw_only=True)
class Membership:
    """A member's tier, counted growth and growth history, with a version for storage."""

    member_id: str = attrs.field(validator=text)
    tier_id: str
    growth: int = attrs.field(default=0, validator=non_negative)
    """Growth counted towards tiers: lifetime, or since the last reset."""
    history: tuple[Growth, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(Growth, "Growth")
    )
    period_start: datetime
    """When the current review period began (joining, then each review)."""
    version: int = attrs.field(default=0, validator=non_negative)

    @classmethod
    def join(cls, member_id: str, program: TierProgram, *, at: datetime) -> Membership:
        """A new member at the lowest tier."""
        return cls(
            member_id=member_id,
            tier_id=program.tiers[0].id,
            period_start=aware("at", at),
        )

    def counted(self, program: TierProgram, at: datetime) -> int:
        """The growth that decides the tier at ``at``."""
        window = program.review.window_days
        if window is None:
            return self.growth
        since = at - timedelta(days=window)
        return sum(g.points for g in self.history if since < g.at <= at)

    def benefits(self, program: TierProgram) -> Benefits:
        """The benefits of the member's tier."""
        return program.tier(self.tier_id).benefits

    def grow(
        self, points: int, *, key: str, at: datetime, program: TierProgram
    ) -> tuple[Membership, tuple[TierChanged, ...]]:
        """Add growth; move up at once when a higher threshold is reached. A key applies once."""
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise InvalidValue("points", points, "must be a whole number of at least 1")
        aware("at", at)
        if any(g.key == key for g in self.history):
            return self, ()
        grown = attrs.evolve(
            self,
            growth=self.growth + points,
            history=(*self.history, Growth(key, at, points)),
            version=self.version + 1,
        )
        reached = program.tier_for(grown.counted(program, at))
        if program.rank(reached.id) <= program.rank(self.tier_id):
            return grown, ()
        event = TierChanged(self.member_id, self.tier_id, reached.id, at, "threshold reached")
        return attrs.evolve(grown, tier_id=reached.id), (event,)

    def take_back(
        self, points: int, *, key: str, at: datetime, program: TierProgram
    ) -> tuple[Membership, tuple[TierChanged, ...]]:
        """Take back growth (a refunded order's), once per key, never below zero.

        The history records the take-back as negative growth, so a rolling or
        periodic review counts it; the tier itself moves only at review (a
        refund never demotes a member on the spot). ``program`` is the
        programme the growth counted in.
        """
        if isinstance(points, bool) or not isinstance(points, int) or points < 1:
            raise InvalidValue("points", points, "must be a whole number of at least 1")
        aware("at", at)
        program.tier(self.tier_id)
        taken = min(points, self.growth)
        if not taken or any(g.key == key for g in self.history):
            return self, ()
        shrunk = attrs.evolve(
            self,
            growth=self.growth - taken,
            history=(*self.history, Growth(key, at, -taken)),
            version=self.version + 1,
        )
        return shrunk, ()

    def review(
        self, now: datetime, program: TierProgram
    ) -> tuple[Membership, tuple[TierChanged, ...]]:
        """Apply the programme's review policy at ``now``; a review not due changes nothing."""
        aware("now", now)
        policy = program.review
        if policy.rule is ReviewRule.ROLLING:
            reached = program.tier_for(self.counted(program, now))
            if reached.id == self.tier_id:
                return self, ()
            event = TierChanged(self.member_id, self.tier_id, reached.id, now, "rolling review")
            return attrs.evolve(self, tier_id=reached.id, version=self.version + 1), (event,)
        if policy.every_days is None:
            return self, ()
        member, events = self, list[TierChanged]()
        period = timedelta(days=policy.every_days)
        while member.period_start + period <= now:
            member, changed = member._close_period(program, member.period_start + period)
            events.extend(changed)
        if member is self:
            return self, ()
        return attrs.evolve(member, version=self.version + 1), tuple(events)

    def _close_period(
        self, program: TierProgram, end: datetime
    ) -> tuple[Membership, tuple[TierChanged, ...]]:
        start = self.period_start
        earned = sum(g.points for g in self.history if start <= g.at < end)
        current = program.tier(self.tier_id)
        growth = 0 if program.review.reset else self.growth
        if earned >= current.kept_with:
            return attrs.evolve(self, period_start=end, growth=growth), ()
        rank = program.rank(current.id)
        kept = [tier for tier in program.tiers[:rank] if tier.kept_with <= earned]
        target = kept[-1] if kept else program.tiers[0]
        below_next = program.tiers[program.rank(target.id) + 1].threshold - 1
        event = TierChanged(
            self.member_id,
            current.id,
            target.id,
            end,
            f"period growth {earned} below the {current.kept_with} that keeps {current.id}",
        )
        demoted = attrs.evolve(
            self, period_start=end, growth=min(growth, below_next), tier_id=target.id
        )
        return demoted, (event,)
