"""The pricing engine: a cart, the rules and a moment in, a fully explained quote out.

Theory of operation (docs/pricing.md has the examples):

1. **Unit price.** Each unit gets one price: the line's regular price (sale
   price, else list price) or the lowest special price among the
   :class:`~mallcore.pricing.rules.UnitPrice` and
   :class:`~mallcore.pricing.rules.FlashSale` rules that apply to it (best
   saving; priority, then id, breaks a tie). Flash-sale units beyond the
   allotment or the customer's limit get the next best price.
2. **Item promotions**, then 3. **order promotions**, in order of priority
   (highest first, then id). A rule applies only if it combines with every
   rule already applied (:class:`~mallcore.pricing.rules.Stacking`); of
   several rules in one group only the one saving most applies.
4. **Coupons**, applied in a fixed order: shop coupons, then platform
   coupons; within each, priority then id. A coupon's ``min_spend`` is
   measured on its lines after promotions and before any coupon. Without
   ``selected``, the engine picks the combination with the lowest payable
   exactly (:mod:`mallcore.pricing.best`); ties go to fewer coupons, then to
   the set whose coupons expire soonest, then to ids.
5. **Payable**: never negative, since every discount is capped by what is
   left on the lines it applies to.

Every discount spanning lines is apportioned (分摊) over them by largest
remainder on what is left on each line (:func:`mallcore.money.allocate_minor`:
ties to the earlier line); within a line, over its units by unit price with the
leftover on the last units (3 x 2.00 with 4.00 off: 1.33, 1.33, 1.34).
Percentages round once per line with the quote's ``rounding`` (half-up by
default; half-even and truncation 抹零 selectable): the half modes round the
discount, DOWN (抹零) and UP round what is left to pay, down or up. All arithmetic is in
integer minor units; Money is built only for the result.
"""

from __future__ import annotations

import enum
import functools
import itertools
import math
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import attrs

from mallcore._fields import aware
from mallcore.errors import InvalidValue, LimitExceeded, WrongType
from mallcore.limits import DEFAULT_LIMITS, InputLimits
from mallcore.loyalty import Earning, Redemption
from mallcore.money import Money, Rounding, allocate_minor
from mallcore.pricing._pipeline import (
    APPLIED,
    Effect,
    Explanation,
    Scopes,
    State,
    Status,
    WrongCurrency,
    as_money,
    as_moneys,
    effect_of,
    lines_in_scope,
    percent_of,
    shift,
    take_off_units,
    taking,
)
from mallcore.pricing.best import CouponChoice, choose_coupons
from mallcore.pricing.cart import Cart, CartLine, Customer, Usage, as_usage
from mallcore.pricing.membership import customer_tier, tier_discount, tier_freight_benefit
from mallcore.pricing.rules import (
    KINDS,
    AmountOffCoupon,
    CheapestFree,
    Coupon,
    FlashSale,
    Gift,
    NthUnitPercentOff,
    PercentOffCoupon,
    Promotion,
    QuantityPercentOff,
    RepeatingAmountOff,
    Rule,
    ShippingCoupon,
    TieredAmountOff,
    TieredPercentOff,
    UnitPrice,
)
from mallcore.shipping import (
    FreightBenefit,
    FreightQuote,
    FreightVoucher,
    ShipmentLine,
    ShippingSetup,
    Topic,
    quote_freight,
)

if TYPE_CHECKING:
    from mallcore.loyalty import EarningPolicy, TierProgram
    from mallcore.pricing.points import PointsOffer

__all__ = [
    "Alternative",
    "LineDiscount",
    "LineQuote",
    "LineShare",
    "Quote",
    "RuleOutcome",
    "Stage",
    "Status",
    "coupon_order",
    "quote",
]


class Stage(enum.Enum):
    """The pipeline stage a rule belongs to, in the order they run."""

    UNIT_PRICE = "unit_price"
    ITEM = "item"
    ORDER = "order"
    COUPON = "coupon"
    POINTS = "points"
    SHIPPING = "shipping"


STAGES: Final = {
    UnitPrice: Stage.UNIT_PRICE,
    FlashSale: Stage.UNIT_PRICE,
    QuantityPercentOff: Stage.ITEM,
    NthUnitPercentOff: Stage.ITEM,
    CheapestFree: Stage.ITEM,
    Gift: Stage.ITEM,
    TieredAmountOff: Stage.ORDER,
    RepeatingAmountOff: Stage.ORDER,
    TieredPercentOff: Stage.ORDER,
    AmountOffCoupon: Stage.COUPON,
    PercentOffCoupon: Stage.COUPON,
    ShippingCoupon: Stage.SHIPPING,
}


_STAGES_IN_ORDER: Final = tuple(Stage)
_STAGE_RANK: Final = {kind: _STAGES_IN_ORDER.index(stage) for kind, stage in STAGES.items()}


@attrs.frozen
class LineShare:
    """The part of a rule's discount that fell on one line."""

    line_id: str
    amount: Money


@attrs.frozen
class LineDiscount:
    """One discount on a line: which rule, how much, and for item promotions on which units.

    ``units`` is set for item promotions (stage 2), which are taken off
    particular units: the part on each unit, in :meth:`LineQuote.unit_prices`
    order. Order promotions and coupons leave it empty: they are spread.
    """

    rule_id: str
    amount: Money
    units: tuple[Money, ...] = ()


@attrs.frozen(kw_only=True)
class LineQuote:
    """A priced line: its unit prices, the discounts on it, what is payable for it.

    The first ``special_units`` units cost ``unit_price``, the others
    ``regular_price`` (they differ only when a flash sale runs out).
    ``gift`` lines are free gifts: ``list_price`` shows their value.
    """

    line_id: str
    sku_id: str
    quantity: int
    list_price: Money
    regular_price: Money
    unit_price: Money
    special_units: int
    price_rule: str | None
    total: Money
    discounts: tuple[LineDiscount, ...]
    payable: Money
    gift: bool = False

    def unit_prices(self) -> tuple[Money, ...]:
        """The price of each unit before discounts."""
        return tuple(
            self.unit_price if index < self.special_units else self.regular_price
            for index in range(self.quantity)
        )

    def unit_payables(self) -> tuple[Money, ...]:
        """What was paid for each unit: a refund of one unit returns exactly this.

        An item promotion comes off the units it was taken from; every other
        discount, in the order applied, is spread over what is left on the
        units by largest remainder, the leftover on the last units; no unit
        goes below zero and the parts add up to :attr:`payable`.
        """
        paid = [price.minor_units for price in self.unit_prices()]
        for discount in self.discounts:
            if discount.units:
                paid = [
                    left - part.minor_units for left, part in zip(paid, discount.units, strict=True)
                ]
            elif discount.amount.minor_units and sum(paid) > 0:
                shares = allocate_minor(discount.amount.minor_units, paid[::-1])[::-1]
                paid = [left - share for left, share in zip(paid, shares, strict=True)]
        currency = self.payable.currency
        return tuple(as_money(minor, currency) for minor in paid)


@attrs.frozen(kw_only=True)
class RuleOutcome:
    """The explanation for one rule: its status and, when applied, the amount per line."""

    rule_id: str
    kind: str
    stage: Stage
    status: Status
    amount: Money | None = None
    per_line: tuple[LineShare, ...] = ()
    shortfall: Money | None = None
    excluded_by: str | None = None
    saving: Money | None = None
    detail: str = ""


@attrs.frozen(kw_only=True)
class Alternative:
    """A coupon choice the shopper could make and what it would cost."""

    coupon_ids: tuple[str, ...]
    saving: Money
    payable: Money


@attrs.frozen(kw_only=True)
class Quote:
    """A priced cart.

    ``subtotal`` is list prices times quantities, ``total`` the unit prices
    after stage 1, ``discount`` everything taken off after that, ``payable``
    what the customer pays for the goods (``total - discount``, never
    negative). ``outcomes`` explains every rule given, in stage order.
    ``freight`` is the delivery quote when the cart was priced with a
    shipping set-up (its shipping coupon included), and :meth:`amount_due`
    the goods and the freight together. ``points`` is the redemption when
    points were offered (:mod:`mallcore.pricing.points`) and
    ``freight_points`` the part of the freight they paid (a policy that
    ``covers_freight``), ``points_earned`` the points the order would earn
    when an earning policy was given.
    """

    currency: str
    lines: tuple[LineQuote, ...]
    subtotal: Money
    total: Money
    discount: Money
    payable: Money
    outcomes: tuple[RuleOutcome, ...]
    coupon_ids: tuple[str, ...]
    shipping_coupons: tuple[ShippingCoupon, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    freight: FreightQuote | None = None
    points: Redemption | None = None
    freight_points: Money | None = None
    points_earned: Earning | None = None
    # the engine leaves ``lines``, ``outcomes`` and ``alternatives`` unset and builds them
    # from its integer state on first read: many quotes (the group choices', the exclusive
    # coupons') are only ranked, and a caller often reads only the payable
    _details: Callable[[], _Details] | None = attrs.field(
        default=None, init=False, eq=False, repr=False, hash=False
    )

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if name in _DETAILS and self._details is not None:
                for field, value in zip(_Details._fields, self._details(), strict=True):
                    object.__setattr__(self, field, value)
                object.__setattr__(self, "_details", None)
                return getattr(self, name)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def freight_due(self) -> Money:
        """The freight the shopper pays: the freight less what points paid of it (zero if none)."""
        if self.freight is None:
            return Money.zero(self.currency)
        if self.freight_points is None:
            return self.freight.amount
        return self.freight.amount - self.freight_points

    def amount_due(self) -> Money:
        """What the shopper pays in all: the goods payable plus the freight due."""
        return self.payable + self.freight_due()

    def adjustments(self) -> tuple[RuleOutcome, ...]:
        """The rules that applied, in stage order, each with its amount per line."""
        return tuple(o for o in self.outcomes if o.status is Status.APPLIED)

    def outcome(self, rule_id: str) -> RuleOutcome:
        """The outcome of the rule ``rule_id``."""
        for outcome in self.outcomes:
            if outcome.rule_id == rule_id:
                return outcome
        raise InvalidValue("rule_id", rule_id, "is not a rule of this quote")

    def line(self, line_id: str) -> LineQuote:
        """The priced line ``line_id``."""
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise InvalidValue("line_id", line_id, "is not a line of this quote")


class _Details(NamedTuple):
    """The fields of a Quote the engine builds when one of them is first read."""

    lines: tuple[LineQuote, ...]
    outcomes: tuple[RuleOutcome, ...]
    alternatives: tuple[Alternative, ...]


_DETAILS: Final = frozenset(_Details._fields)


_LATER_DEFAULTS: Final = {
    field.name: field.default
    for field in attrs.fields(Quote)
    if field.init and field.default is not attrs.NOTHING and field.name not in _DETAILS
}


def _quote_later(details: Callable[[], _Details], **fields: Any) -> Quote:
    """A Quote whose :class:`_Details` ``details()`` builds when one of them is first read.

    The other fields of Quote are given in ``fields`` or take their defaults: the
    engine builds them from checked state, so the path through ``__init__`` is
    skipped with the slots of the details left unset.
    """
    priced = object.__new__(Quote)
    for name, value in {**_LATER_DEFAULTS, **fields}.items():
        object.__setattr__(priced, name, value)
    object.__setattr__(priced, "_details", details)
    return priced


_GUEST: Final = Customer(id="guest")
_NO_USAGE: Final = Usage()

# isinstance with a union written in place builds the union on every call
_COUPON_KINDS: Final = (AmountOffCoupon, PercentOffCoupon, ShippingCoupon)
_GOODS_COUPON_KINDS: Final = (AmountOffCoupon, PercentOffCoupon)


def _gate(
    rule: Rule, now: datetime, customer: Customer, usage: Mapping[str, int]
) -> tuple[Status, str] | None:
    """Why ``rule`` cannot apply to anybody's cart now, or None."""
    window = rule.valid_window() if isinstance(rule, _COUPON_KINDS) else rule.window
    if window.starts_at is not None and now < window.starts_at:
        return Status.NOT_STARTED, f"starts at {window.starts_at.isoformat()}"
    if window.ends_at is not None and now >= window.ends_at:
        return Status.EXPIRED, f"ended at {window.ends_at.isoformat()}"
    audience = rule.audience
    if audience.new_customers_only and not customer.is_new:
        return Status.NOT_ELIGIBLE, "for new customers only"
    if audience.tiers and customer.tier not in audience.tiers:
        return Status.NOT_ELIGIBLE, f"for tiers {sorted(audience.tiers)} only"
    if audience.regions and customer.region not in audience.regions:
        return Status.NOT_ELIGIBLE, f"for regions {sorted(audience.regions)} only"
    limits = rule.limits
    if limits.total is not None and usage.get(rule.id, 0) >= limits.total:
        return Status.LIMIT_REACHED, f"all {limits.total} uses are taken"
    if limits.per_customer is not None and customer.usage.get(rule.id, 0) >= limits.per_customer:
        return Status.LIMIT_REACHED, f"used {limits.per_customer} times by this customer"
    return None


# stage 1: unit prices ----------------------------------------------------------------


def _unit_prices(
    state: State,
    rules: Sequence[UnitPrice | FlashSale],
    customer: Customer,
    usage: Mapping[str, int],
    outcomes: dict[str, Explanation],
) -> None:
    if not rules:
        return
    cart = state.cart
    used: dict[str, int] = {}
    flash_left = {
        rule.id: max(
            0,
            min(
                rule.allotment - usage.get(rule.units_key, 0),
                rule.per_customer - customer.usage.get(rule.units_key, 0),
            ),
        )
        for rule in rules
        if isinstance(rule, FlashSale)
    }
    scoped = {rule.id: lines_in_scope(rule, state) for rule in rules}
    offered: dict[int, list[UnitPrice | FlashSale]] = {}
    for rule in rules:
        for index in scoped[rule.id]:
            offered.setdefault(index, []).append(rule)
    # a line no rule offers a price for keeps its regular price, as _run set it; by rule,
    # (line index, what it saved on the line) for the lines it priced
    savings: dict[str, list[tuple[int, int]]] = {}
    for index in sorted(offered):
        line = cart.lines[index]
        regular = state.regular[index]
        best_price, best_rule = regular, None
        best_flash: FlashSale | None = None
        for rule in offered[index]:
            if isinstance(rule, FlashSale):
                price = rule.price.minor_units
                cheaper = best_flash is None or price < best_flash.price.minor_units
                if flash_left[rule.id] > 0 and price < regular and cheaper:
                    best_flash = rule
                continue
            if rule.group_buy_only and not cart.group_buy:
                continue
            if rule.price is not None:
                price = rule.price.minor_units
            else:
                assert rule.percent_off is not None
                listed = state.listed[index]
                price = listed - percent_of(listed, rule.percent_off, state.rounding)
            if price < best_price:
                best_price, best_rule = price, rule
        quantity = line.quantity
        special_units, special_price = (quantity if best_rule is not None else 0), best_price
        if best_flash is not None and best_flash.price.minor_units < best_price:
            units = min(quantity, flash_left[best_flash.id])
            flash_left[best_flash.id] -= units
            flash_price = best_flash.price.minor_units
            used[best_flash.id] = used.get(best_flash.id, 0) + units
            savings.setdefault(best_flash.id, []).append((index, (regular - flash_price) * units))
            special_units, special_price = units, flash_price
            state.price_rule[index] = best_flash.id
            # the units over the flash-sale limit keep the best other price
            state.regular[index] = best_price
            rest = quantity - units
        else:
            rest = quantity
            if best_rule is not None:
                state.price_rule[index] = best_rule.id
        if best_rule is not None and rest:
            used[best_rule.id] = used.get(best_rule.id, 0) + rest
            savings.setdefault(best_rule.id, []).append((index, (regular - best_price) * rest))
        state.special[index] = special_price
        state.special_units[index] = special_units
        total = special_units * special_price + (quantity - special_units) * state.regular[index]
        state.base[index] = total
        state.left[index] = total
        state.promoted[index] = line.on_promotion or state.price_rule[index] is not None
    for rule in rules:
        if rule.id in used:
            state.record(rule)
            lines, saved = zip(*savings[rule.id], strict=True)
            effect = taking(lines, saved)
            outcomes[rule.id] = Explanation(
                rule,
                APPLIED,
                effect=effect,
                detail=f"{used[rule.id]} units at the special price",
            )
        elif scoped[rule.id]:
            outcomes[rule.id] = Explanation(
                rule, Status.NO_SAVING, detail="another unit price is lower"
            )
        else:
            outcomes[rule.id] = Explanation(rule, Status.OUT_OF_SCOPE, detail="no line in scope")


# stages 2 to 4: discounts -----------------------------------------------------------------


def _apply(rule: Rule, effect: Effect, state: State) -> None:
    shift(state.left, effect, -1)
    if effect.units:
        take_off_units(state, effect)
    elif not effect.lines and isinstance(rule, Gift):
        state.gifts.append(rule)
    state.discounts.append((rule.id, effect))
    state.record(rule)


def _explain(explanation: Explanation, lines: Sequence[CartLine], currency: str) -> RuleOutcome:
    """The outcome of a rule as the result shows it: its amounts as Money, its shares by line id."""
    rule, status, effect, detail, excluded_by, saving = explanation
    amount = per_line = shortfall = None
    if effect is not None:
        if status is Status.APPLIED:
            amount = as_money(effect.saving, currency)
            per_line = tuple(
                LineShare(lines[index].line_id, as_money(share, currency))
                for index, share in effect.shares()
            )
        if effect.shortfall is not None:
            shortfall = as_money(effect.shortfall, currency)
        detail = detail or effect.detail
    return RuleOutcome(
        rule_id=rule.id,
        kind=KINDS[type(rule)],
        stage=STAGES[type(rule)],
        status=status,
        amount=amount,
        per_line=per_line or (),
        shortfall=shortfall,
        excluded_by=excluded_by,
        saving=None if saving is None else as_money(saving, currency),
        detail=detail,
    )


def _promotion_stage(
    state: State,
    rules: Sequence[Promotion],
    outcomes: dict[str, Explanation],
    forced: Mapping[str, str],
    by_shopper: Collection[str],
) -> None:
    groups_done: set[str] = set()
    for rule in rules:
        group = rule.stacking.group
        if group is None:
            effect = _consider(rule, state, outcomes)
            if effect is not None:
                _apply(rule, effect, state)
                outcomes[rule.id] = Explanation(rule, APPLIED, effect)
            continue
        if group in groups_done:
            continue
        groups_done.add(group)
        candidates = []
        for member in rules:
            if member.stacking.group == group:
                effect = _consider(member, state, outcomes)
                if effect is not None:
                    candidates.append((member, effect))
        if not candidates:
            continue
        reason = "saves more"
        if group in forced:
            reason = "is the shopper's choice" if group in by_shopper else "gives a lower payable"
            picked = [c for c in candidates if c[0].id == forced[group]]
            if not picked:
                for member, effect in candidates:
                    outcomes[member.id] = Explanation(
                        member,
                        Status.NOT_CHOSEN,
                        saving=effect.saving,
                        detail=f"group {group!r}: another member {reason}",
                    )
                continue
            best, best_effect = picked[0]
        else:
            best, best_effect = max(candidates, key=lambda candidate: candidate[1].saving)
        _apply(best, best_effect, state)
        outcomes[best.id] = Explanation(best, APPLIED, best_effect)
        for member, effect in candidates:
            if member is not best:
                outcomes[member.id] = Explanation(
                    member,
                    Status.NOT_CHOSEN,
                    saving=effect.saving,
                    detail=f"group {group!r}: {best.id} {reason}",
                )


def _consider(rule: Promotion, state: State, outcomes: dict[str, Explanation]) -> Effect | None:
    """What ``rule`` would take off now if it may apply; else None, its outcome recorded."""
    indexes = state.scopes.of(rule)
    if not indexes:
        outcomes[rule.id] = Explanation(rule, Status.OUT_OF_SCOPE, detail="no line in scope")
        return None
    conflict = state.conflict(rule)
    if conflict is not None:
        outcomes[rule.id] = Explanation(rule, Status.EXCLUDED_BY, excluded_by=conflict.id)
        return None
    try:
        effect = effect_of(rule, indexes, state)
    except WrongCurrency as wrong:
        outcomes[rule.id] = Explanation(rule, Status.OUT_OF_SCOPE, detail=f"priced in {wrong}")
        return None
    if effect.status is not APPLIED:
        outcomes[rule.id] = Explanation(rule, effect.status, effect=effect)
        return None
    if effect.saving == 0 and not isinstance(rule, Gift):
        outcomes[rule.id] = Explanation(rule, Status.NO_SAVING)
        return None
    return effect


def _ordered(rules: Sequence[Rule]) -> list[Rule]:
    """``rules`` by priority, highest first, then by id (two stable sorts on plain keys)."""
    by_id = sorted(rules, key=_ID)
    by_id.sort(key=_PRIORITY, reverse=True)
    return by_id


_ID: Final = operator.attrgetter("id")
_PRIORITY: Final = operator.attrgetter("priority")


def coupon_order(coupon: Coupon) -> tuple[bool, int, str]:
    """The sort key giving the order coupons are applied in: shop first, then priority, id."""
    return (coupon.shop is None, -coupon.priority, coupon.id)


_COUPONS: Final = (AmountOffCoupon, PercentOffCoupon, ShippingCoupon)
_PROMOTIONS: Final = tuple(cls for cls in KINDS if cls not in _COUPONS)


def _count_rules(field: str, rules: object, kinds: tuple[type, ...], kind: str, limit: int) -> int:
    """How many ``rules`` there are: a sequence of ``kinds`` no longer than ``limit``."""
    if not isinstance(rules, Sequence) or isinstance(rules, str):
        raise WrongType(field, rules, f"sequence of {kind}s")
    if len(rules) > limit:
        raise LimitExceeded(field, len(rules), "rules_per_quote", limit)
    for index, rule in enumerate(rules):
        if not isinstance(rule, kinds):
            raise WrongType(f"{field}[{index}]", rule, kind)
    return len(rules)


def _check_arguments(
    cart: object,
    promotions: object,
    coupons: object,
    customer: object,
    now: object,
    limits: object,
) -> None:
    """WrongType for an argument of a wrong type, LimitExceeded past ``limits``: before pricing."""
    if not isinstance(limits, InputLimits):
        raise WrongType("limits", limits, "InputLimits")
    if not isinstance(cart, Cart):
        raise WrongType("cart", cart, "Cart")
    if limits is not cart.limits:  # the cart kept to its own limits when it was built
        cart.check(limits)
    if customer is not None and not isinstance(customer, Customer):
        raise WrongType("customer", customer, "Customer")
    aware("now", now)
    rules = limits.rules_per_quote
    wallet = _count_rules("coupons", coupons, _COUPONS, "Coupon", rules)
    limits.check("coupons_per_quote", "coupons", wallet)
    total = wallet + _count_rules("promotions", promotions, _PROMOTIONS, "Promotion", rules)
    limits.check("rules_per_quote", "promotions and coupons", total)


def quote(
    cart: Cart,
    *,
    promotions: Sequence[Promotion] = (),
    coupons: Sequence[Coupon] = (),
    customer: Customer | None = None,
    now: datetime,
    selected: Collection[str] | None = None,
    usage: Mapping[str, int] | None = None,
    max_platform_coupons: int = 1,
    max_shop_coupons: int = 1,
    rounding: Rounding = Rounding.HALF_UP,
    exhaustive: bool = False,
    chosen_promotions: Collection[str] | None = None,
    shipping: ShippingSetup | None = None,
    destination: str | None = None,
    shipping_method: str | None = None,
    points: PointsOffer | None = None,
    earning: EarningPolicy | None = None,
    tiers: TierProgram | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> Quote:
    """Price ``cart`` at ``now`` with the automatic ``promotions`` and the wallet ``coupons``.

    ``selected`` names the coupons the shopper chose; None lets the engine
    choose the best combination. ``usage`` holds each rule's total uses (orders)
    so far, and for a flash sale the units sold under ``FlashSale.units_key``
    (``"<id>:units"``); the customer's own counts are
    ``customer.usage``. At most ``max_platform_coupons`` platform coupons and
    ``max_shop_coupons`` per shop are used. ``exhaustive`` finds the best
    coupons by trying every subset (the reference the search is tested against).

    Of promotions sharing a ``stacking.group``, one applies: the one named in
    ``chosen_promotions`` (the shopper's pick), else the engine tries each
    member together with the coupon search and keeps the lowest payable
    (with ``selected``, first the member that lets the most picked coupons
    apply; fewer coupons on a tie, then the member saving most on its own), for up
    to MAX_PROMOTION_CHOICES combinations of groups; beyond that, the member
    saving most on its own.

    With a ``shipping`` set-up, the freight to ``destination`` (a region
    code; default the customer's region) by ``shipping_method`` (default the
    cheapest) is priced on what the goods cost after every discount, with
    the customer's tier benefit and the qualifying shipping coupons
    (:func:`_freight_stage`); without one the quote has no freight.

    ``points``, the shopper's points offer, is redeemed on the goods after
    the coupons and before the freight (:func:`~mallcore.pricing.points.apply_points`),
    or after the freight, on the goods and the freight, when its policy
    ``covers_freight``; with an ``earning`` policy, ``Quote.points_earned``
    previews what the order earns on what is left to pay.

    With a member ``tiers`` program, the benefits of ``customer.tier`` apply:
    its discount as the unit price ``"tier:<id>"``, its free shipping, its
    points multiplier (:mod:`mallcore.pricing.membership`).

    Before any pricing, the cart's lines and units and the number of rules and
    coupons are held to ``limits`` (LimitExceeded), and the arguments' types
    checked (WrongType).
    """

    _check_arguments(cart, promotions, coupons, customer, now, limits)
    customer = customer if customer is not None else _GUEST
    usage = as_usage(usage) if usage is not None else _NO_USAGE
    tier = customer_tier(tiers, customer) if tiers is not None else None
    discount = tier_discount(tier) if tier is not None else None
    if discount is not None:
        promotions = (*promotions, discount)
    for name, limit in (
        ("max_platform_coupons", max_platform_coupons),
        ("max_shop_coupons", max_shop_coupons),
    ):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise InvalidValue(name, limit, "must be 0 or more")
    rules = (*promotions, *coupons)
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        raise InvalidValue("rules", duplicates, "rule ids must be unique")
    if selected is not None:
        unknown = set(selected) - {coupon.id for coupon in coupons}
        if unknown:
            raise InvalidValue("selected", sorted(unknown), "are not coupons of the wallet")

    outcomes: dict[str, Explanation] = {}
    live: list[Rule] = []
    # group members of item and order promotions by group; whether an exclusive coupon is live
    groups: dict[str, list[str]] = {}
    exclusive_coupon = False
    for rule in _ordered(rules):
        gate = _gate(rule, now, customer, usage)
        if gate is not None:
            outcomes[rule.id] = Explanation(rule, gate[0], detail=gate[1])
            continue
        live.append(rule)
        stacking = rule.stacking
        if stacking.group is not None and STAGES[type(rule)] in (Stage.ITEM, Stage.ORDER):
            groups.setdefault(stacking.group, []).append(rule.id)
        if stacking.exclusive and isinstance(rule, _GOODS_COUPON_KINDS):
            exclusive_coupon = True
    run = functools.partial(
        _run,
        cart,
        rules=rules,
        customer=customer,
        usage=usage,
        selected=selected,
        max_platform_coupons=max_platform_coupons,
        max_shop_coupons=max_shop_coupons,
        rounding=rounding,
        exhaustive=exhaustive,
        scopes=Scopes(cart.lines),
    )
    picked = set(chosen_promotions or ())
    fixed = {
        group: rule_id for group, ids in groups.items() for rule_id in ids if rule_id in picked
    }
    open_groups = {g: ids for g, ids in groups.items() if g not in fixed and len(ids) > 1}
    best = run(live, outcomes, forced=fixed, by_shopper=set(fixed))
    if open_groups and math.prod(len(ids) for ids in open_groups.values()) <= MAX_PROMOTION_CHOICES:
        names = sorted(open_groups)
        for choice in itertools.product(*(open_groups[name] for name in names)):
            forced = {**fixed, **dict(zip(names, choice, strict=True))}
            priced = run(live, outcomes, forced=forced, by_shopper=set(fixed))
            if _rank(priced, coupons, selected) < _rank(best, coupons, selected):
                best = priced
        if selected is None and best.alternatives:
            # each listed choice is priced as picking it would be: the promotions chosen
            # jointly with those coupons, which may differ from the winner's
            def as_picked(ids: tuple[str, ...]) -> Quote:
                candidates = [
                    run(
                        live,
                        outcomes,
                        forced={**fixed, **dict(zip(names, choice, strict=True))},
                        by_shopper=set(fixed),
                        selected=ids,
                    )
                    for choice in itertools.product(*(open_groups[name] for name in names))
                ]
                return min(candidates, key=lambda q: _rank(q, coupons, ids))

            best = attrs.evolve(
                best, alternatives=tuple(_repriced(a, as_picked) for a in best.alternatives)
            )
    if exclusive_coupon:
        best = _weigh_exclusive_coupons(
            best,
            live,
            outcomes,
            functools.partial(run, forced={}),
            selected=selected,
            rank=functools.partial(_rank, coupons=coupons, selected=selected),
        )
    if points is None and shipping is None and earning is None:
        return best
    from mallcore.pricing.points import POINTS_ID, apply_points, earning_of

    if points is not None and POINTS_ID in ids:
        raise InvalidValue("rules", POINTS_ID, "is the points stage's id, not a rule's")
    on_freight = points is not None and shipping is not None and points.policy.covers_freight
    if points is not None and not on_freight:
        best = apply_points(best, points)
    if shipping is not None:
        best = _freight_stage(
            best,
            cart,
            setup=shipping,
            destination=destination if destination is not None else customer.region,
            method=shipping_method,
            tier=customer.tier,
            tier_benefit=tier_freight_benefit(tier) if tier is not None else None,
        )
    if points is not None and on_freight:
        best = apply_points(best, points)
    if earning is None:
        return best
    multiplier = tier.benefits.points_multiplier if tier is not None else Decimal(1)
    earned = earning_of(
        best, cart, earning, at=now, tier_multiplier=multiplier, birthday=customer.birthday
    )
    return attrs.evolve(best, points_earned=earned)


def _freight_stage(
    priced: Quote,
    cart: Cart,
    *,
    setup: ShippingSetup,
    destination: str | None,
    method: str | None,
    tier: str | None,
    tier_benefit: FreightBenefit | None,
) -> Quote:
    """The last stage: freight on the goods as priced, the shipping coupons applied to it.

    It reads only each line's amount after discounts (``LineQuote.payable``)
    and before (``LineQuote.total``), so a stage that changes what the goods
    cost (points redemption) goes before it. Gift lines ship with the order
    and are not charged.
    """
    if destination is None:
        raise InvalidValue("destination", None, "freight needs a destination region code")
    lines = [
        ShipmentLine(
            line_id=line.line_id,
            sku_id=line.sku_id,
            product_id=line.product_id,
            quantity=line.quantity,
            amount=priced_line.payable,
            amount_before_discounts=priced_line.total,
            weight=line.weight,
            volume=line.volume,
            template_id=line.freight_template,
            flat_postage=line.flat_postage,
        )
        for line, priced_line in zip(cart.lines, priced.lines[: len(cart.lines)], strict=True)
    ]
    vouchers = [FreightVoucher(id=c.id, amount_off=c.amount_off) for c in priced.shipping_coupons]
    shipment = setup.shipment(destination, currency=cart.currency, lines=lines)
    freight = quote_freight(
        shipment, setup, method=method, tier=tier, tier_benefit=tier_benefit, vouchers=vouchers
    )
    savings = {
        note.subject: note.amount
        for note in freight.notes
        if note.topic is Topic.VOUCHER and note.amount is not None
    }
    outcomes = []
    for outcome in priced.outcomes:
        if outcome.rule_id in savings and outcome.rule_id == freight.voucher_id:
            saving = savings[outcome.rule_id]
            outcome = attrs.evolve(
                outcome, status=Status.APPLIED, amount=-saving, detail="taken off the freight"
            )
        elif outcome.status is Status.HANDED_ON:
            detail = next(
                (
                    note.detail
                    for note in freight.notes
                    if note.topic is Topic.VOUCHER and note.subject == outcome.rule_id
                ),
                "not used: nothing can be delivered",
            )
            status = Status.NO_SAVING if freight.voucher_id is None else Status.NOT_CHOSEN
            outcome = attrs.evolve(outcome, status=status, detail=detail)
        outcomes.append(outcome)
    return attrs.evolve(priced, freight=freight, outcomes=tuple(outcomes))


def _repriced(alternative: Alternative, pick: Callable[[tuple[str, ...]], Quote]) -> Alternative:
    """``alternative`` as picking its coupons prices it."""
    picked = pick(alternative.coupon_ids)
    currency = picked.currency
    saving = sum(
        ((picked.outcome(i).amount or as_money(0, currency)) for i in alternative.coupon_ids),
        start=as_money(0, currency),
    )
    return Alternative(coupon_ids=alternative.coupon_ids, saving=saving, payable=picked.payable)


def _rank(
    priced: Quote, coupons: Sequence[Coupon], selected: Collection[str] | None = None
) -> tuple[object, ...]:
    """Lower is better: the shopper's picks applied, payable, fewer coupons, soonest expiries, ids.

    With ``selected``, a choice of promotions that leaves out fewer of the
    coupons the shopper picked ranks first: picking an alternative the quote
    listed gives what it listed.
    """
    missing = 0 if selected is None else len(set(selected) - set(priced.coupon_ids))
    ends = {coupon.id: coupon.valid_window().ends_at for coupon in coupons}
    expiries = sorted(
        math.inf if ends[i] is None else ends[i].timestamp()  # type: ignore[union-attr]
        for i in priced.coupon_ids
    )
    return (
        missing,
        priced.payable.minor_units,
        len(priced.coupon_ids),
        tuple(expiries),
        tuple(sorted(priced.coupon_ids)),
    )


def _weigh_exclusive_coupons(
    best: Quote,
    live: Sequence[Rule],
    gated: Mapping[str, Explanation],
    run: Callable[[Sequence[Rule], Mapping[str, Explanation]], Quote],
    *,
    selected: Collection[str] | None,
    rank: Callable[[Quote], tuple[object, ...]],
) -> Quote:
    """``best``, or an exclusive coupon applied alone where that is better or the shopper's pick.

    ``run(rules, outcomes)`` prices the cart with only ``rules`` live and the
    ``outcomes`` of the others given. Without ``selected``, each exclusive
    goods coupon that rules applied in ``best`` keep out is priced alone (the
    promotions and coupons it excludes dropped, shipping coupons kept for the
    freight stage); the lowest ``rank`` wins, and each coupon that applies
    alone is listed among the alternatives. An exclusive coupon in
    ``selected`` applies alone (of several, the lowest rank), if it applies at all.
    """
    exclusive = [
        rule for rule in live if isinstance(rule, _GOODS_COUPON_KINDS) and rule.stacking.exclusive
    ]
    if selected is not None:
        exclusive = [coupon for coupon in exclusive if coupon.id in selected]
    else:
        exclusive = [c for c in exclusive if best.outcome(c.id).status is Status.EXCLUDED_BY]
    currency = best.currency
    options = []
    for coupon in exclusive:
        kept = [rule for rule in live if rule is coupon or isinstance(rule, ShippingCoupon)]
        dropped = {
            rule.id: Explanation(rule, Status.EXCLUDED_BY, excluded_by=coupon.id)
            for rule in live
            if rule not in kept
        }
        priced = run(kept, {**gated, **dropped})
        if coupon.id in priced.coupon_ids:
            options.append(priced)
    if not options:
        return best
    alone = {
        priced.coupon_ids: Alternative(
            coupon_ids=priced.coupon_ids,
            saving=priced.outcome(priced.coupon_ids[0]).amount or as_money(0, currency),
            payable=priced.payable,
        )
        for priced in options
    }
    listed = {alternative.coupon_ids: alternative for alternative in best.alternatives}
    alternatives = sorted(
        {**alone, **listed}.values(),
        key=lambda alt: (alt.payable.minor_units, len(alt.coupon_ids), alt.coupon_ids),
    )
    winner = min(options if selected is not None else [best, *options], key=rank)
    return attrs.evolve(winner, alternatives=tuple(alternatives))


MAX_PROMOTION_CHOICES: Final = 64
"""Up to this many combinations of group members, quote tries each with the coupons."""


def _run(
    cart: Cart,
    live: Sequence[Rule],
    gated: Mapping[str, Explanation],
    rules: Sequence[Rule],
    forced: Mapping[str, str],
    *,
    customer: Customer,
    usage: Mapping[str, int],
    selected: Collection[str] | None,
    max_platform_coupons: int,
    max_shop_coupons: int,
    rounding: Rounding,
    exhaustive: bool,
    scopes: Scopes,
    by_shopper: Collection[str] = (),
) -> Quote:
    """One pass of the pipeline with the group members in ``forced`` chosen.

    ``live`` holds the rules that passed their gates, in :func:`_ordered` order;
    ``scopes`` finds the lines in each rule's scope once for all the runs of one quote.
    """
    currency = cart.currency
    lines = cart.lines
    count = len(lines)
    listed = [line.list_price.minor_units for line in lines]
    regular = [
        price if line.sale_price is None else line.sale_price.minor_units
        for price, line in zip(listed, lines, strict=True)
    ]
    quantities = [line.quantity for line in lines]
    base = list(map(operator.mul, regular, quantities))
    state = State(
        cart=cart,
        rounding=rounding,
        regular=regular,
        special=regular[:],
        special_units=[0] * count,
        price_rule=[None] * count,
        quantities=quantities,
        listed=listed,
        base=base,
        left=base[:],
        promoted=[line.on_promotion for line in lines],
        scopes=scopes,
    )
    outcomes = dict(gated)
    # lists by stage, in stage order (a list, not a dict keyed by Stage: an Enum hashes slowly)
    by_stage: list[list[Any]] = [[] for _ in _STAGES_IN_ORDER]
    for rule in live:
        by_stage[_STAGE_RANK[type(rule)]].append(rule)
    priced, item, order, goods, _, shipping_coupons = by_stage
    unit_rules: list[UnitPrice | FlashSale] = []
    for rule in priced:
        if rule.price is not None and rule.price.currency != currency:
            outcomes[rule.id] = Explanation(
                rule, Status.OUT_OF_SCOPE, detail="priced in another currency"
            )
        else:
            unit_rules.append(rule)
    _unit_prices(state, unit_rules, customer, usage, outcomes)
    for stage_rules in (item, order):
        _promotion_stage(state, stage_rules, outcomes, forced, by_shopper)

    choice = choose_coupons(
        state,
        sorted(goods, key=coupon_order),
        selected=selected,
        max_platform=max_platform_coupons,
        max_shop=max_shop_coupons,
        exhaustive=exhaustive,
    )
    outcomes.update(choice.outcomes)
    for coupon, effect in choice.applied:
        _apply(coupon, effect, state)

    shipping: list[ShippingCoupon] = []
    payable_minor = sum(state.left)
    for rule in shipping_coupons:
        need = rule.min_spend.minor_units if rule.min_spend is not None else 0
        if selected is not None and rule.id not in selected:
            outcomes[rule.id] = Explanation(rule, Status.NOT_CHOSEN, detail="not selected")
        elif payable_minor < need:
            outcomes[rule.id] = Explanation(
                rule,
                Status.BELOW_THRESHOLD,
                effect=Effect(status=Status.BELOW_THRESHOLD, shortfall=need - payable_minor),
            )
        else:
            shipping.append(rule)
            outcomes[rule.id] = Explanation(
                rule, Status.HANDED_ON, detail="handed to the freight stage"
            )
    return _build(state, outcomes, rules, choice, shipping)


def _build(
    state: State,
    outcomes: dict[str, Explanation],
    rules: Sequence[Rule],
    choice: CouponChoice,
    shipping: Sequence[ShippingCoupon],
) -> Quote:
    cart = state.cart
    currency = cart.currency
    subtotal = sum(map(operator.mul, state.listed, state.quantities))
    total = sum(state.base)
    payable = sum(state.left)
    return _quote_later(
        functools.partial(_details, state, outcomes, rules, choice, payable),
        currency=currency,
        subtotal=as_money(subtotal, currency),
        total=as_money(total, currency),
        discount=as_money(total - payable, currency),
        payable=as_money(payable, currency),
        coupon_ids=tuple([rule.id for rule, _ in choice.applied]),
        shipping_coupons=tuple(shipping),
    )


def _details(
    state: State,
    outcomes: Mapping[str, Explanation],
    rules: Sequence[Rule],
    choice: CouponChoice,
    payable: int,
) -> _Details:
    """The priced lines (gifts last), every rule's outcome in stage order, the coupon choices."""
    cart = state.cart
    currency = cart.currency
    discounts: list[list[LineDiscount]] = [[] for _ in cart.lines]
    for rule_id, effect in state.discounts:
        # only item promotions say what came off each unit
        units = effect.units or ((),) * len(effect.lines)
        for index, share, offs in zip(effect.lines, effect.offs, units, strict=True):
            if share:
                discounts[index].append(
                    LineDiscount(rule_id, as_money(share, currency), as_moneys(offs, currency))
                )
    priced: list[LineQuote] = []
    for index, line in enumerate(cart.lines):
        priced.append(
            LineQuote(
                line_id=line.line_id,
                sku_id=line.sku_id,
                quantity=line.quantity,
                list_price=line.list_price,
                regular_price=as_money(state.regular[index], currency),
                unit_price=as_money(state.special[index], currency),
                special_units=state.special_units[index],
                price_rule=state.price_rule[index],
                total=as_money(state.base[index], currency),
                discounts=tuple(discounts[index]),
                payable=as_money(state.left[index], currency),
            )
        )
    zero = Money.zero(currency)
    for gift in state.gifts:
        priced.append(
            LineQuote(
                line_id=f"gift:{gift.id}",
                sku_id=gift.gift_sku_id,
                quantity=gift.quantity,
                list_price=gift.gift_value,
                regular_price=zero,
                unit_price=zero,
                special_units=0,
                price_rule=gift.id,
                total=zero,
                discounts=(),
                payable=zero,
                gift=True,
            )
        )
    stage_rank = {stage: rank for rank, stage in enumerate(Stage)}
    ordered = sorted(rules, key=lambda rule: stage_rank[STAGES[type(rule)]])
    return _Details(
        lines=tuple(priced),
        outcomes=tuple(_explain(outcomes[rule.id], cart.lines, currency) for rule in ordered),
        alternatives=tuple(
            Alternative(
                coupon_ids=ids,
                saving=as_money(saving, currency),
                payable=as_money(payable + choice.saving - saving, currency),
            )
            for ids, saving in choice.alternatives()
        ),
    )
