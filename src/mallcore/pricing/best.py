"""The best coupon combination (自动选择最优优惠), found exactly by branch and bound.

The search runs on the cart as the promotions left it. What makes it exact
and fast:

- Coupons apply in one fixed order (shop coupons, then platform coupons;
  priority, then id), and a coupon's ``min_spend`` is measured before any
  coupon, so whether a coupon qualifies never depends on the others.
- A coupon can only take off less when others went before it (an amount off
  is capped by what is left; a percentage of a smaller amount is smaller),
  so what it saves alone is an upper bound on what it adds to any set.
- The search walks the coupons in application order, deciding "use" then
  "skip" for each; a branch is cut when what it has saved plus the best
  savings the remaining coupons could add in the slots still free (one
  platform coupon, one per shop by default) cannot reach the best found.
- A coupon that would add nothing is never used: the same set without it
  saves as much with fewer coupons.

An exclusive coupon combines with no other rule, so on a cart where any
promotion applied it is kept out of the search; :func:`mallcore.pricing.engine.quote`
then prices it alone, with every rule it excludes dropped, and keeps the
better of the two (it is listed among the alternatives either way).

Ties are broken deterministically: the lowest payable, then the fewest
coupons, then the set whose coupons expire soonest (their expiry times
sorted, compared in order: use up what expires first), then coupon ids.
:func:`brute_force` enumerates every subset with the same rules; it is the
reference the property tests and benchmarks compare the search with.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Sequence
from typing import NamedTuple

import attrs

from mallcore.pricing._pipeline import (
    APPLIED,
    Effect,
    Explanation,
    State,
    Status,
    WrongCurrency,
    effect_of,
    first_conflict,
    lines_in_scope,
    minor_of,
    percent_of,
    shift,
    spread_off,
    total_at,
)
from mallcore.pricing.rules import AmountOffCoupon, PercentOffCoupon

__all__ = [
    "CouponChoice",
    "brute_force",
    "choose_coupons",
]

GoodsCoupon = AmountOffCoupon | PercentOffCoupon


class _Candidate(NamedTuple):
    """A coupon that qualifies on the cart, with what the search needs of it."""

    coupon: GoodsCoupon
    indexes: tuple[int, ...]
    alone: int
    expiry: float
    amount_off: int | None
    cap: int | None
    effect: Effect
    """What it takes off alone, on the cart as the promotions left it."""


@attrs.define
class CouponChoice:
    """The coupons chosen, the effect of each, and the outcome of every goods coupon."""

    applied: list[tuple[GoodsCoupon, Effect]]
    outcomes: dict[str, Explanation]
    candidates: list[_Candidate]
    slots: _Slots

    @property
    def saving(self) -> int:
        """What the chosen coupons take off together, in minor units."""
        return sum(effect.saving for _, effect in self.applied)

    def alternatives(self) -> list[tuple[tuple[str, ...], int]]:
        """No coupon, each coupon alone that the per-order limits allow, the chosen set.

        Each as (coupon ids, saving in minor units), the most saving first.
        """
        options: dict[tuple[str, ...], int] = {(): 0}
        for candidate in self.candidates:
            if self.slots.limit(_slot(candidate.coupon)) > 0:
                options[(candidate.coupon.id,)] = candidate.alone
        options[tuple(coupon.id for coupon, _ in self.applied)] = self.saving
        return sorted(options.items(), key=lambda item: (-item[1], len(item[0]), item[0]))


def _expiry(coupon: GoodsCoupon) -> float:
    ends = coupon.valid_window().ends_at
    return math.inf if ends is None else ends.timestamp()


def _candidates(
    state: State, coupons: Sequence[GoodsCoupon], outcomes: dict[str, Explanation]
) -> list[_Candidate]:
    """The coupons that qualify on this cart, with what each saves alone."""
    currency = state.cart.currency
    found = []
    for coupon in coupons:
        conflict = state.conflict(coupon)
        if conflict is not None:
            outcomes[coupon.id] = Explanation(coupon, Status.EXCLUDED_BY, excluded_by=conflict.id)
            continue
        indexes = lines_in_scope(coupon, state, promoted_ok=coupon.stacking.on_promoted_items)
        if not indexes:
            outcomes[coupon.id] = Explanation(
                coupon, Status.OUT_OF_SCOPE, detail="no line in scope"
            )
            continue
        try:
            need = minor_of(coupon.min_spend, currency) or 0
            spend = total_at(state.left, indexes)
            if spend < need:
                outcomes[coupon.id] = Explanation(
                    coupon,
                    Status.BELOW_THRESHOLD,
                    effect=Effect(status=Status.BELOW_THRESHOLD, shortfall=need - spend),
                )
                continue
            effect = effect_of(coupon, indexes, state)
        except WrongCurrency as wrong:
            outcomes[coupon.id] = Explanation(
                coupon, Status.OUT_OF_SCOPE, detail=f"priced in {wrong}"
            )
            continue
        alone = effect.saving
        if alone == 0:
            outcomes[coupon.id] = Explanation(coupon, Status.NO_SAVING)
            continue
        if isinstance(coupon, AmountOffCoupon):
            amount_off, cap = coupon.amount_off.minor_units, None
        else:
            amount_off, cap = None, minor_of(coupon.max_discount, currency)
        found.append(
            _Candidate(coupon, tuple(indexes), alone, _expiry(coupon), amount_off, cap, effect)
        )
    return found


def _slot(coupon: GoodsCoupon) -> str | None:
    return coupon.shop


class _Slots:
    """Coupons per order: ``max_platform`` platform coupons, ``max_shop`` per shop."""

    def __init__(self, max_platform: int, max_shop: int) -> None:
        self.max_platform = max_platform
        self.max_shop = max_shop
        self.used: dict[str | None, int] = {}

    def limit(self, slot: str | None) -> int:
        return self.max_platform if slot is None else self.max_shop

    def free(self, slot: str | None) -> int:
        return self.limit(slot) - self.used.get(slot, 0)

    def take(self, slot: str | None, step: int) -> None:
        self.used[slot] = self.used.get(slot, 0) + step


def _with(state: State, candidate: _Candidate) -> Effect:
    """What ``candidate`` takes off now: :func:`effect_of` with the coupon's amounts read once."""
    indexes = candidate.indexes
    left = state.left
    off = _off(candidate, total_at(left, indexes), state)
    return spread_off(off, indexes, state)


def _off(candidate: _Candidate, room: int, state: State) -> int:
    """What ``candidate`` takes off when ``room`` is left on its lines."""
    if candidate.amount_off is not None:
        return min(candidate.amount_off, room)
    coupon = candidate.coupon
    assert isinstance(coupon, PercentOffCoupon)
    off = min(room, percent_of(room, coupon.percent_off, state.rounding))
    return off if candidate.cap is None else min(off, candidate.cap)


class _Lines:
    """The search's view of the cart for any scopes: each coupon spread over its lines."""

    def __init__(self, state: State, candidates: Sequence[_Candidate]) -> None:
        self.state = state
        self.candidates = candidates
        self.effects: list[Effect] = []

    def take(self, position: int) -> int:
        """Apply the coupon at ``position`` and return its saving (nothing applied if zero)."""
        effect = _with(self.state, self.candidates[position])
        if effect.saving:
            shift(self.state.left, effect, -1)
            self.effects.append(effect)
        return effect.saving

    def undo(self, position: int) -> None:
        """Take back the last coupon applied."""
        shift(self.state.left, self.effects.pop(), 1)


class _Rooms:
    """The search's view when scopes nest: only what is left in each coupon's reach.

    When every coupon's lines lie inside or apart from the lines of each
    coupon after it (shop coupons, then platform coupons on everything), a
    coupon takes its whole saving off the reach of every later coupon whose
    lines hold its own, whatever the split over the lines: the savings are
    exact without apportioning each try.
    """

    def __init__(self, state: State, candidates: Sequence[_Candidate]) -> None:
        self.state = state
        self.candidates = candidates
        left = state.left
        self.rooms = [sum(left[index] for index in c.indexes) for c in candidates]
        reach = [frozenset(c.indexes) for c in candidates]
        self.holders = [
            [later for later in range(position + 1, len(candidates)) if own <= reach[later]]
            for position, own in enumerate(reach)
        ]
        self.offs: list[int] = []

    @staticmethod
    def nest(candidates: Sequence[_Candidate]) -> bool:
        """Whether each coupon's lines lie inside or apart from those of every later coupon."""
        reach = [frozenset(c.indexes) for c in candidates]
        return all(
            own <= later or own.isdisjoint(later)
            for position, own in enumerate(reach)
            for later in reach[position + 1 :]
        )

    def take(self, position: int) -> int:
        """Apply the coupon at ``position`` and return its saving (nothing applied if zero)."""
        off = _off(self.candidates[position], self.rooms[position], self.state)
        if off:
            for later in self.holders[position]:
                self.rooms[later] -= off
            self.offs.append(off)
        return off

    def undo(self, position: int) -> None:
        """Take back the last coupon applied (the one at ``position``)."""
        off = self.offs.pop()
        for later in self.holders[position]:
            self.rooms[later] += off


def _key(
    chosen: Sequence[tuple[_Candidate, int]],
) -> tuple[int, int, tuple[float, ...], tuple[str, ...]]:
    """The tie-break order of a choice of (candidate, saving): lower is better."""
    return (
        -sum(saving for _, saving in chosen),
        len(chosen),
        tuple(sorted(candidate.expiry for candidate, _ in chosen)),
        tuple(sorted(candidate.coupon.id for candidate, _ in chosen)),
    )


def _savings(chosen: Sequence[tuple[_Candidate, Effect]]) -> list[tuple[_Candidate, int]]:
    return [(candidate, effect.saving) for candidate, effect in chosen]


def _greedy(
    state: State, candidates: Sequence[_Candidate], max_platform: int, max_shop: int
) -> list[tuple[_Candidate, Effect]]:
    """A good first answer: the coupons saving most alone, as many as the slots allow."""
    slots = _Slots(max_platform, max_shop)
    picked: set[str] = set()
    for candidate in sorted(candidates, key=lambda c: -c.alone):
        slot = _slot(candidate.coupon)
        if slots.free(slot) > 0:
            slots.take(slot, 1)
            picked.add(candidate.coupon.id)
    return _evaluate(
        state, [c for c in candidates if c.coupon.id in picked], max_platform, max_shop
    )


def _search(
    state: State, candidates: Sequence[_Candidate], max_platform: int, max_shop: int
) -> list[tuple[_Candidate, Effect]]:
    slots = _Slots(max_platform, max_shop)
    count = len(candidates)
    best = _savings(_greedy(state, candidates, max_platform, max_shop))
    best_key = _key(best)
    chosen: list[tuple[_Candidate, int]] = []
    cart = _Rooms(state, candidates) if _Rooms.nest(candidates) else _Lines(state, candidates)
    everything = sum(state.left)
    # tails[k][slot]: running sums of the largest stand-alone savings among candidates[k:]
    tails: list[dict[str | None, list[int]]] = []
    for start in range(count + 1):
        by_slot: dict[str | None, list[int]] = {}
        for candidate in candidates[start:]:
            by_slot.setdefault(_slot(candidate.coupon), []).append(candidate.alone)
        tails.append(
            {
                slot: list(itertools.accumulate(sorted(savings, reverse=True), initial=0))
                for slot, savings in by_slot.items()
            }
        )

    def bound(start: int, saving: int) -> int:
        total = 0
        for slot, sums in tails[start].items():
            free = slots.free(slot)
            if free > 0:
                total += sums[min(free, len(sums) - 1)]
        return min(total, everything - saving)

    def walk(position: int, saving: int) -> None:
        nonlocal best, best_key
        if position == count:
            key = _key(chosen)
            if key < best_key:
                best, best_key = list(chosen), key
            return
        reach = saving + bound(position, saving)
        best_saving, best_count = -best_key[0], best_key[1]
        if reach < best_saving:
            return
        if reach == best_saving and len(chosen) >= best_count:
            # adding a coupon can only tie on saving with more coupons: stop here
            if saving == best_saving:
                walk(count, saving)
            return
        candidate = candidates[position]
        slot = _slot(candidate.coupon)
        if (
            slots.free(slot) > 0
            and first_conflict(candidate.coupon, [c.coupon for c, _ in chosen]) is None
        ):
            added = cart.take(position)
            if added > 0:
                slots.take(slot, 1)
                chosen.append((candidate, added))
                walk(position + 1, saving + added)
                chosen.pop()
                slots.take(slot, -1)
                cart.undo(position)
        walk(position + 1, saving)

    walk(0, 0)
    return _evaluate(state, [candidate for candidate, _ in best], max_platform, max_shop)


def _evaluate(
    state: State,
    candidates: Sequence[_Candidate],
    max_platform: int,
    max_shop: int,
    outcomes: dict[str, Explanation] | None = None,
) -> list[tuple[_Candidate, Effect]]:
    """Apply ``candidates`` (in application order) as far as the rules let them; undo after."""
    slots = _Slots(max_platform, max_shop)
    chosen: list[tuple[_Candidate, Effect]] = []
    for candidate in candidates:
        coupon = candidate.coupon
        slot = _slot(coupon)
        conflict = first_conflict(coupon, [c.coupon for c, _ in chosen])
        if slots.free(slot) <= 0:
            status, detail, effect = (
                Status.LIMIT_REACHED,
                (
                    f"at most {slots.limit(slot)} "
                    + ("platform coupons" if slot is None else f"coupons of shop {slot!r}")
                    + " per order"
                ),
                None,
            )
        elif conflict is not None:
            if outcomes is not None:
                outcomes[coupon.id] = Explanation(
                    coupon, Status.EXCLUDED_BY, excluded_by=conflict.id
                )
            continue
        else:
            effect = _with(state, candidate)
            status, detail = (Status.APPLIED, "") if effect.saving else (Status.NO_SAVING, "")
        if status is Status.APPLIED and effect is not None:
            shift(state.left, effect, -1)
            slots.take(slot, 1)
            chosen.append((candidate, effect))
        if outcomes is not None:
            outcomes[coupon.id] = Explanation(coupon, status, effect=effect, detail=detail)
    for _, effect in reversed(chosen):
        shift(state.left, effect, 1)
    return chosen


def choose_coupons(
    state: State,
    coupons: Sequence[GoodsCoupon],
    *,
    selected: Collection[str] | None,
    max_platform: int,
    max_shop: int,
    exhaustive: bool = False,
) -> CouponChoice:
    """The coupons to apply: the shopper's ``selected`` ones, or the best combination.

    ``coupons`` come in application order; ``state`` is left as it was.
    ``exhaustive`` tries every subset instead of searching (same answer, slower).
    """
    outcomes: dict[str, Explanation] = {}
    limits = _Slots(max_platform, max_shop)
    candidates = _candidates(state, coupons, outcomes)
    if selected is not None:
        picked = [c for c in candidates if c.coupon.id in selected]
        chosen = _evaluate(state, picked, max_platform, max_shop, outcomes)
        for candidate in candidates:
            if candidate.coupon.id not in selected:
                outcomes[candidate.coupon.id] = Explanation(
                    candidate.coupon,
                    Status.NOT_CHOSEN,
                    saving=candidate.alone,
                    detail="not selected",
                )
    else:
        if len(candidates) <= 1:
            # one coupon or none: it saves something (else it is no candidate), so it is used
            # as it is alone wherever the limits leave a slot for it
            chosen = [(c, c.effect) for c in candidates if limits.limit(_slot(c.coupon)) > 0]
        else:
            search = brute_force if exhaustive else _search
            chosen = search(state, candidates, max_platform, max_shop)
        used = {candidate.coupon.id for candidate, _ in chosen}
        for candidate, effect in chosen:
            outcomes[candidate.coupon.id] = Explanation(candidate.coupon, APPLIED, effect=effect)
        for candidate in candidates:
            if candidate.coupon.id not in used:
                outcomes[candidate.coupon.id] = Explanation(
                    candidate.coupon,
                    Status.NOT_CHOSEN,
                    saving=candidate.alone,
                    detail="the best combination leaves it out",
                )
    return CouponChoice(
        applied=[(candidate.coupon, effect) for candidate, effect in chosen],
        outcomes=outcomes,
        candidates=candidates,
        slots=limits,
    )


def brute_force(
    state: State, candidates: Sequence[_Candidate], max_platform: int, max_shop: int
) -> list[tuple[_Candidate, Effect]]:
    """The best coupons found by trying every subset (the reference for tests and benchmarks)."""
    best: list[tuple[_Candidate, Effect]] = []
    best_key = _key([])
    for size in range(1, len(candidates) + 1):
        for subset in itertools.combinations(candidates, size):
            chosen = _evaluate(state, subset, max_platform, max_shop)
            if len(chosen) != size or any(effect.saving == 0 for _, effect in chosen):
                continue
            key = _key(_savings(chosen))
            if key < best_key:
                best, best_key = chosen, key
    return best
