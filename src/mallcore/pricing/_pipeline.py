"""The pricing pipeline's working parts, in integer minor units (private to the pricing package).

:mod:`mallcore.pricing.engine` runs the stages and :mod:`mallcore.pricing.best`
searches the coupons on the same working state: a :class:`State` of lists of
minor units, one per quote run, mutated in place and never handed out. A rule's
effect (:class:`Effect`) is computed on the state, applied or not, and its
:class:`Explanation` recorded in minor units; the engine turns explanations
into :class:`~mallcore.pricing.engine.RuleOutcome` values only when a quote's
outcomes are first read.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import cache, lru_cache
from typing import Any, Final, NamedTuple

import attrs

from mallcore.errors import InvalidValue
from mallcore.money import Money, Rounding, allocate_minor
from mallcore.pricing.cart import Cart, CartLine
from mallcore.pricing.rules import (
    KINDS,
    AmountOffCoupon,
    Base,
    CheapestFree,
    Coupon,
    Gift,
    NthUnitPercentOff,
    PercentOffCoupon,
    Promotion,
    QuantityPercentOff,
    RepeatingAmountOff,
    Rule,
    Scope,
    TieredAmountOff,
    TieredPercentOff,
)

__all__ = [
    "APPLIED",
    "Effect",
    "Explanation",
    "Scopes",
    "State",
    "Status",
    "WrongCurrency",
    "as_money",
    "as_moneys",
    "effect_of",
    "first_conflict",
    "lines_in_scope",
    "minor_of",
    "percent_of",
    "percents_of",
    "shift",
    "spread_off",
    "take_off_units",
    "taking",
    "total_at",
]


class Status(enum.Enum):
    """What happened to a rule, for the explanation."""

    APPLIED = "applied"
    """It applied; ``amount`` and ``per_line`` say how much, where."""
    NOT_STARTED = "not_started"
    """Its window (or the coupon's validity) has not begun."""
    EXPIRED = "expired"
    """Its window (or the coupon's validity) is over."""
    NOT_ELIGIBLE = "not_eligible"
    """The customer is not in its audience (new customers, tiers, regions)."""
    OUT_OF_SCOPE = "out_of_scope"
    """No line of the cart is in its scope (or it is in another currency)."""
    BELOW_THRESHOLD = "below_threshold"
    """The spend or quantity is short; ``shortfall`` (or ``detail``) says by how much."""
    EXCLUDED_BY = "excluded_by"
    """A rule already applied does not combine with it; ``excluded_by`` names it."""
    LIMIT_REACHED = "limit_reached"
    """Its usage limit, or the coupons-per-order limit, is used up."""
    NOT_CHOSEN = "not_chosen"
    """It could apply but another choice was better; ``saving`` is what it would save."""
    NO_SAVING = "no_saving"
    """It applies to the cart but saves nothing on it."""
    HANDED_ON = "handed_on"
    """A shipping coupon that qualifies, handed to the freight stage."""
    REFUSED = "refused"
    """Points were offered but none are used; ``detail`` says why."""


# Enum members the hot path compares with, bound once: on Python 3.11 reading a member off
# its class takes as long as a function call
APPLIED: Final = Status.APPLIED
_HALF_UP: Final = Rounding.HALF_UP
_DOWN: Final = Rounding.DOWN
_UP: Final = Rounding.UP
_BEFORE_ITEM_DISCOUNTS: Final = Base.BEFORE_ITEM_DISCOUNTS


# arithmetic ---------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def as_money(minor_units: int, currency: str) -> Money:
    """Money for the result; amounts recur across quotes and Money is immutable, so cache it."""
    return Money.from_minor(minor_units, currency)


@lru_cache(maxsize=4096)
def as_moneys(minor_units: tuple[int, ...], currency: str) -> tuple[Money, ...]:
    """A tuple of :func:`as_money` (an item discount's part on each unit), cached the same way."""
    return tuple(as_money(minor, currency) for minor in minor_units)


@cache
def _ratio(percent: Decimal) -> tuple[int, int]:
    exact = Fraction(percent) / 100
    return exact.numerator, exact.denominator


def percent_of(amount: int, percent: Decimal, rounding: Rounding) -> int:
    """``percent`` of ``amount`` (>= 0) as a discount, rounded under the quote's ``rounding``.

    DOWN (抹零) and UP name the payable's way, so the discount rounds the
    other way; the half modes round the discount itself.
    """
    numerator, denominator = _ratio(percent)
    return _share(amount * numerator, denominator, rounding)


def percents_of(amounts: Iterable[int], percent: Decimal, rounding: Rounding) -> list[int]:
    """:func:`percent_of` each of ``amounts``, the percentage read once."""
    numerator, denominator = _ratio(percent)
    # the common modes in closed form, each amount a whole number: half-up is
    # floor(x + 1/2), a rounded-up discount (DOWN) is -floor(-x)
    if rounding is _HALF_UP:
        twice = 2 * denominator
        return [(2 * amount * numerator + denominator) // twice for amount in amounts]
    if rounding is _DOWN:
        return [-(-amount * numerator // denominator) for amount in amounts]
    return [_share(amount * numerator, denominator, rounding) for amount in amounts]


def _share(scaled: int, denominator: int, rounding: Rounding) -> int:
    whole, rest = divmod(scaled, denominator)
    # the rounding modes are told apart by identity: an Enum's hash runs Python code
    if rest == 0 or rounding is _UP:
        return whole
    if rounding is _DOWN:
        return whole + 1
    twice = 2 * rest
    if twice > denominator or (twice == denominator and rounding is _HALF_UP):
        return whole + 1
    if twice == denominator:
        return whole + (whole % 2)
    return whole


def total_at(amounts: Sequence[int], indexes: Sequence[int]) -> int:
    """The sum of ``amounts`` at ``indexes`` (distinct indexes, as a scope's are)."""
    if len(indexes) == len(amounts):
        return sum(amounts)
    return sum(map(amounts.__getitem__, indexes))


def minor_of(money: Money | None, currency: str) -> int | None:
    """``money`` in minor units (None stays None); :class:`WrongCurrency` if not in ``currency``."""
    if money is None:
        return None
    if money.currency != currency:
        raise WrongCurrency(money)
    return money.minor_units


class WrongCurrency(Exception):
    """A rule amount in another currency than the cart's (the rule is then out of scope)."""


# the state of a quote in progress ----------------------------------------------------


@attrs.define
class State:
    """Mutable working state in minor units (one per quote call, never escapes)."""

    cart: Cart
    rounding: Rounding
    regular: list[int]
    special: list[int]
    special_units: list[int]
    price_rule: list[str | None]
    quantities: list[int]
    listed: list[int]
    base: list[int]
    left: list[int]
    promoted: list[bool]
    scopes: Scopes
    applied: list[Rule] = attrs.field(factory=list)
    # the applied rules that are exclusive or list what they combine with: the only ones a
    # rule with the default stacking can conflict with
    restrictive: list[Rule] = attrs.field(factory=list)
    # the discounts applied, in order: each line's share of them is read off when the quote is
    discounts: list[tuple[str, Effect]] = attrs.field(factory=list)
    gifts: list[Gift] = attrs.field(factory=list)
    # what the item promotions applied took off each unit, by line (what is left is worked
    # out only when a later item promotion covers the line again)
    unit_parts: dict[int, list[tuple[int, ...]]] = attrs.field(factory=dict)

    def record(self, rule: Rule) -> None:
        """Note that ``rule`` applied, for the stacking checks of the rules after it."""
        self.applied.append(rule)
        stacking = rule.stacking
        if stacking.exclusive or stacking.combines_with is not None:
            self.restrictive.append(rule)

    def conflict(self, rule: Rule) -> Rule | None:
        """The first applied rule that ``rule`` does not combine with (:func:`first_conflict`)."""
        stacking = rule.stacking
        if stacking.exclusive or stacking.group is not None or stacking.combines_with is not None:
            return first_conflict(rule, self.applied)
        return first_conflict(rule, self.restrictive) if self.restrictive else None


class Scopes:
    """The lines in each rule's scope, found once per quote and shared by all its runs.

    The lines of a category are found when a scope first names it and kept
    for the other rules (category scopes are the common ones, and a line
    carries its category's ancestors too); products and SKUs are matched by a
    pass over the cart. The shop and the exclusions then filter what the
    scope named.
    """

    def __init__(self, lines: Sequence[CartLine]) -> None:
        self.lines = lines
        self.found: dict[str, tuple[int, ...]] = {}
        self.categories: dict[str, tuple[int, ...]] = {}
        self.everything = tuple(range(len(lines)))

    def of(self, rule: Rule) -> tuple[int, ...]:
        """The indexes of the lines in ``rule``'s scope, in cart order."""
        found = self.found.get(rule.id)
        if found is None:
            found = self.found[rule.id] = self._find(rule.scope)
        return found

    def _in_category(self, name: str) -> tuple[int, ...]:
        found = self.categories.get(name)
        if found is None:
            found = self.categories[name] = tuple(
                [index for index, line in enumerate(self.lines) if name in line.category_ids]
            )
        return found

    def _find(self, scope: Scope) -> tuple[int, ...]:
        categories, products, skus = scope.categories, scope.products, scope.skus
        lines = self.lines
        candidates: Sequence[int]
        if skus and not products and not categories:
            candidates = [index for index, line in enumerate(lines) if line.sku_id in skus]
        elif products and not skus and not categories:
            candidates = [index for index, line in enumerate(lines) if line.product_id in products]
        elif products or skus or len(categories) > 1:
            candidates = [
                index
                for index, line in enumerate(lines)
                if line.product_id in products
                or line.sku_id in skus
                or not categories.isdisjoint(line.category_ids)
            ]
        elif categories:
            (name,) = categories
            candidates = self._in_category(name)
        else:
            candidates = self.everything
        shop, excluded_skus, excluded_products = (
            scope.shop,
            scope.excluded_skus,
            scope.excluded_products,
        )
        if not excluded_skus and not excluded_products:
            if shop is None:
                return tuple(candidates)
            return tuple([index for index in candidates if lines[index].shop == shop])
        return tuple(
            [
                index
                for index in candidates
                if (shop is None or lines[index].shop == shop)
                and lines[index].sku_id not in excluded_skus
                and lines[index].product_id not in excluded_products
            ]
        )


def lines_in_scope(rule: Rule, state: State, *, promoted_ok: bool = True) -> tuple[int, ...]:
    """The lines in ``rule``'s scope; without ``promoted_ok``, those no promotion touched."""
    indexes = state.scopes.of(rule)
    if promoted_ok:
        return indexes
    promoted = state.promoted
    return tuple(index for index in indexes if not promoted[index])


def _allows(rule: Rule, other: Rule) -> bool:
    allowed = rule.stacking.combines_with
    if allowed is None:
        return True
    return KINDS[type(other)] in allowed or (
        other.stacking.group is not None and other.stacking.group in allowed
    )


def first_conflict(rule: Rule, applied: Sequence[Rule]) -> Rule | None:
    """The first of the ``applied`` rules that ``rule`` does not combine with, or None.

    Two rules combine unless either is exclusive, they share a group, or
    either's ``combines_with`` leaves the other out.
    """
    mine = rule.stacking
    if mine.exclusive:
        return applied[0] if applied else None
    group, allowed = mine.group, mine.combines_with
    for other in applied:
        theirs = other.stacking
        if theirs.exclusive or (group is not None and group == theirs.group):
            return other
        if (allowed is not None or theirs.combines_with is not None) and not (
            _allows(rule, other) and _allows(other, rule)
        ):
            return other
    return None


class Effect(NamedTuple):
    """What a discount rule would do on the current state (build a discount with :func:`taking`)."""

    # the fields a discount sets come first: they are given by position on the hot path
    lines: Sequence[int] = ()
    """The indexes of the lines it covers, distinct and in cart order."""
    offs: Sequence[int] = ()
    """What it takes off each of ``lines``, in minor units (a spread discount may leave zeros)."""
    saving: int = 0
    """The sum of the offs."""
    units: tuple[tuple[int, ...], ...] = ()
    """For item promotions: each line's part on every unit of the line."""
    status: Status = Status.APPLIED
    shortfall: int | None = None
    detail: str = ""

    def shares(self) -> list[tuple[int, int]]:
        """(line index, minor units taken off it) for the lines it takes something off."""
        return [(index, off) for index, off in zip(self.lines, self.offs, strict=True) if off]


def taking(
    lines: Sequence[int], offs: Sequence[int], units: tuple[tuple[int, ...], ...] = ()
) -> Effect:
    """The effect of a discount taking ``offs`` off ``lines`` (and ``units`` off their units)."""
    return Effect(lines, offs, sum(offs), units)


def shift(amounts: list[int], effect: Effect, sign: int) -> None:
    """Add ``effect``'s offs times ``sign`` (-1 applies it, 1 takes it back) to ``amounts``."""
    lines, offs = effect.lines, effect.offs
    if len(lines) == len(amounts):
        # every line, in cart order
        amounts[:] = map(operator.sub if sign < 0 else operator.add, amounts, offs)
    elif sign < 0:
        for index, off in zip(lines, offs, strict=True):
            amounts[index] -= off
    else:
        for index, off in zip(lines, offs, strict=True):
            amounts[index] += off


def spread_off(total: int, indexes: Sequence[int], state: State) -> Effect:
    """The effect of taking ``total`` (at most what is left on them) off the lines ``indexes``.

    It is apportioned over the lines by what is left on each (largest remainder).
    """
    left = state.left
    weights = left[:] if len(indexes) == len(left) else [left[index] for index in indexes]
    off = min(total, sum(weights))
    if off <= 0:
        return Effect()
    return Effect(indexes, allocate_minor(off, weights), off)


def _measured(
    rule: TieredAmountOff | TieredPercentOff | RepeatingAmountOff, state: State
) -> list[int]:
    """The amounts a threshold is measured on: before or after the item promotions."""
    return state.base if rule.base is _BEFORE_ITEM_DISCOUNTS else state.left


def _tiered(
    rule: TieredAmountOff | TieredPercentOff, indexes: Sequence[int], state: State
) -> Effect:
    currency = state.cart.currency
    measured = total_at(_measured(rule, state), indexes)
    reached = None
    lowest = None
    for tier in rule.tiers:
        threshold = minor_of(tier.threshold, currency)
        assert threshold is not None
        lowest = threshold if lowest is None else min(lowest, threshold)
        if measured >= threshold and (reached is None or threshold >= reached[0]):
            reached = (threshold, tier)
    if reached is None:
        assert lowest is not None
        return Effect(status=Status.BELOW_THRESHOLD, shortfall=lowest - measured)
    tier = reached[1]
    if tier.amount_off is not None:
        off = minor_of(tier.amount_off, currency)
        assert off is not None
        return spread_off(off, indexes, state)
    assert tier.percent_off is not None
    left = state.left
    # a percentage of at most 100, rounded up or down, never exceeds the amount it is of
    return taking(
        indexes, percents_of([left[index] for index in indexes], tier.percent_off, state.rounding)
    )


def _repeating(rule: RepeatingAmountOff, indexes: Sequence[int], state: State) -> Effect:
    currency = state.cart.currency
    measured = total_at(_measured(rule, state), indexes)
    every = minor_of(rule.every, currency)
    assert every is not None
    times = measured // every
    if not times:
        return Effect(status=Status.BELOW_THRESHOLD, shortfall=every - measured)
    off = times * (minor_of(rule.amount_off, currency) or 0)
    cap = minor_of(rule.cap, currency)
    if cap is not None:
        off = min(off, cap)
    return spread_off(off, indexes, state)


def _gift(rule: Gift, indexes: Sequence[int], state: State) -> Effect:
    spend = total_at(state.left, indexes)
    units = total_at(state.quantities, indexes)
    need = minor_of(rule.min_spend, state.cart.currency) or 0
    if spend < need:
        return Effect(status=Status.BELOW_THRESHOLD, shortfall=need - spend)
    if units < rule.min_quantity:
        return Effect(
            status=Status.BELOW_THRESHOLD,
            detail=f"{rule.min_quantity - units} more units needed",
        )
    return Effect(detail=f"gift {rule.gift_name} x{rule.quantity}")


def _amount_coupon(rule: AmountOffCoupon, indexes: Sequence[int], state: State) -> Effect:
    value = minor_of(rule.amount_off, state.cart.currency)
    assert value is not None
    return spread_off(value, indexes, state)


def _percent_coupon(rule: PercentOffCoupon, indexes: Sequence[int], state: State) -> Effect:
    left = total_at(state.left, indexes)
    off = percent_of(left, rule.percent_off, state.rounding)
    most = minor_of(rule.max_discount, state.cart.currency)
    if most is not None:
        off = min(off, most)
    return spread_off(off, indexes, state)


# item promotions: taken off particular units --------------------------------------------


def _residuals(state: State, index: int) -> list[int]:
    """What is left on each unit of line ``index``, in :meth:`LineQuote.unit_prices` order."""
    special = state.special_units[index]
    regular = state.quantities[index] - special
    units = [state.special[index]] * special + [state.regular[index]] * regular
    for parts in state.unit_parts.get(index, ()):
        units = [left - part for left, part in zip(units, parts, strict=True)]
    return units


def _alike(state: State, index: int) -> int | None:
    """The price of each unit of line ``index`` if all are alike and untouched, else None."""
    if index in state.unit_parts:
        return None
    special_units = state.special_units[index]
    if special_units == 0:
        return state.regular[index]
    if special_units == state.quantities[index] or state.special[index] == state.regular[index]:
        return state.special[index]
    return None


def _equal_parts(off: int, count: int) -> tuple[int, ...]:
    """``off`` in ``count`` equal parts, the leftover minor units on the earliest."""
    if count == 1:
        return (off,)
    each, extra = divmod(off, count)
    return (each + 1,) * extra + (each,) * (count - extra)


def _last_alike(off: int, count: int, quantity: int) -> tuple[int, ...]:
    """``off`` over the last ``count`` of ``quantity`` alike units (:func:`_equal_parts`)."""
    if count == 1:
        return (0,) * (quantity - 1) + (off,)
    return (0,) * (quantity - count) + _equal_parts(off, count)


def _spread_on_units(off: int, residuals: Sequence[int], chosen: Sequence[int]) -> tuple[int, ...]:
    """``off`` split over the units ``chosen`` by what is left on each (never more than that)."""
    offs = [0] * len(residuals)
    weights = [residuals[unit] for unit in chosen]
    if len(chosen) == 1:
        offs[chosen[0]] = off
    elif off and weights[0] > 0 and weights.count(weights[0]) == len(weights):
        for unit, part in zip(chosen, _equal_parts(off, len(chosen)), strict=True):
            offs[unit] = part
    elif off:
        for unit, part in zip(chosen, allocate_minor(off, weights), strict=True):
            offs[unit] = part
    return tuple(offs)


def take_off_units(state: State, effect: Effect) -> None:
    """Record the parts an applied item promotion takes off each unit (its lines are promoted)."""
    taken, promoted = state.unit_parts, state.promoted
    for index, offs in zip(effect.lines, effect.units, strict=True):
        promoted[index] = True
        taken.setdefault(index, []).append(offs)


# What an item promotion takes off each unit is measured on what is left on the unit.
# Each line's share is the sum of its units' parts (they are split from it exactly), and a
# line whose units lose nothing has no share. Lines whose units are all alike, as most are
# before any item promotion, take the short way (_alike, _last_alike).


def _quantity_percent(rule: QuantityPercentOff, indexes: Sequence[int], state: State) -> Effect:
    quantities = state.quantities
    units = total_at(quantities, indexes)
    if units < rule.min_quantity:
        return Effect(
            status=Status.BELOW_THRESHOLD,
            detail=f"{rule.min_quantity - units} more units needed",
        )
    left = state.left
    offs = percents_of([left[index] for index in indexes], rule.percent_off, state.rounding)
    lines, taken, parts = [], [], []
    for index, off in zip(indexes, offs, strict=True):
        if not off:
            continue
        lines.append(index)
        taken.append(off)
        quantity = quantities[index]
        if quantity == 1 or _alike(state, index) is not None:
            parts.append(_equal_parts(off, quantity))
        else:
            parts.append(_spread_on_units(off, _residuals(state, index), range(quantity)))
    return taking(lines, taken, tuple(parts))


def _nth_unit(rule: NthUnitPercentOff, indexes: Sequence[int], state: State) -> Effect:
    lines: list[int] = []
    taken: list[int] = []
    parts: list[tuple[int, ...]] = []
    counted = False
    percent, rounding, nth = rule.percent_off, state.rounding, rule.nth
    for index in indexes:
        quantity = state.quantities[index]
        count = quantity // nth
        if not count:
            continue
        counted = True
        # the cheapest units are the discounted ones; of equals, the later units
        price = _alike(state, index)
        if price is not None:
            off = percent_of(price * count, percent, rounding)
            if off:
                lines.append(index)
                taken.append(off)
                parts.append(_last_alike(off, count, quantity))
            continue
        # (min and a stable sort of the units taken last to first keep equals that way)
        residuals = _residuals(state, index)
        last_first = range(quantity - 1, -1, -1)
        if count == 1:
            chosen = [min(last_first, key=residuals.__getitem__)]
        else:
            chosen = sorted(sorted(last_first, key=residuals.__getitem__)[:count])
        off = percent_of(total_at(residuals, chosen), percent, rounding)
        if off:
            lines.append(index)
            taken.append(off)
            parts.append(_spread_on_units(off, residuals, chosen))
    if not counted:
        return Effect(status=Status.BELOW_THRESHOLD, detail=f"{rule.nth} units of a SKU needed")
    return taking(lines, taken, tuple(parts))


def _cheapest_free(rule: CheapestFree, indexes: Sequence[int], state: State) -> Effect:
    quantities = state.quantities
    units = total_at(quantities, indexes)
    free = units // rule.buy
    if not free:
        return Effect(status=Status.BELOW_THRESHOLD, detail=f"{rule.buy - units} more units needed")
    # the cheapest units go free; of equals, the earlier line's, and of a line's the later
    # units: the pool sorts (what is left, line, -unit) with a line of alike units as one
    # entry for its last unit, which stands for all of them, the last first
    pool: list[tuple[int, int, int, int]] = []
    for index in indexes:
        price = _alike(state, index)
        if price is not None:
            pool.append((price, index, 1 - quantities[index], quantities[index]))
        else:
            pool.extend(
                (left, index, -unit, 1) for unit, left in enumerate(_residuals(state, index))
            )
    pool.sort()
    offs: dict[int, list[int]] = {}
    for left, index, last, count in pool:
        taken = min(count, free)
        if left:
            line = offs.setdefault(index, [0] * quantities[index])
            for unit in range(-last, -last - taken, -1):
                line[unit] = left
        free -= taken
        if not free:
            break
    lines = sorted(offs)
    return taking(
        lines, [sum(offs[index]) for index in lines], tuple(tuple(offs[index]) for index in lines)
    )


_EFFECTS: Final[dict[type[Rule], Callable[[Any, Sequence[int], State], Effect]]] = {
    QuantityPercentOff: _quantity_percent,
    NthUnitPercentOff: _nth_unit,
    CheapestFree: _cheapest_free,
    Gift: _gift,
    TieredAmountOff: _tiered,
    TieredPercentOff: _tiered,
    RepeatingAmountOff: _repeating,
    AmountOffCoupon: _amount_coupon,
    PercentOffCoupon: _percent_coupon,
}


def effect_of(rule: Promotion | Coupon, indexes: Sequence[int], state: State) -> Effect:
    """What ``rule`` would take off the lines ``indexes`` now (not applied yet).

    :class:`WrongCurrency` if one of its amounts is in another currency than the cart's.
    """
    effect = _EFFECTS.get(type(rule))
    if effect is None:
        raise InvalidValue("rule", rule, "is not a discount rule")
    return effect(rule, indexes, state)


class Explanation(NamedTuple):
    """Why a rule did or did not apply, in minor units: a RuleOutcome once a quote is read."""

    rule: Rule
    status: Status
    effect: Effect | None = None
    detail: str = ""
    excluded_by: str | None = None
    saving: int | None = None
