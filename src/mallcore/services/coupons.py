"""Coupons as stored state: claims into wallets, the wallet at checkout, and an order's coupons.

- Claiming (:func:`claim`) checks the template's claim window, then counts
  the claim on two counters, ``issued`` (the template's issue limit) and
  ``claimed_by`` (per customer), both conditional updates at commit: under
  concurrent claims the limit is never passed; the loser gets
  CouponUnavailable (``issue_limit_reached`` / ``already_claimed``).
- At checkout (:func:`wallet_choice`) the coupons the shopper picked must be
  theirs, usable now, within their template's use limits and budget, in the
  cart's currency, and must apply: else CouponUnavailable with the reason,
  and nothing is placed. With no pick, the best combination is searched
  among at most ``Settings.wallet_candidates`` usable coupons; an unusable
  coupon is simply not chosen.
- Placing an order counts each coupon's use (``uses``, ``used_by`` and the
  discount on ``budget_spent``) and locks the instance for the order;
  payment marks it used; a cancel (by the customer or the payment timeout)
  releases it and gives the counts back; a full refund does too when the
  template says ``return_on_refund``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from mallcore.coupons import (
    CouponInstance,
    CouponRefusal,
    CouponTemplate,
    best_candidates,
    counters,
    is_code,
    normalize_code,
)
from mallcore.errors import CouponUnavailable, NotFound
from mallcore.merchant import Configuration
from mallcore.money import Money
from mallcore.orders import Charge, Order, OrderCoupon
from mallcore.ports import UnitOfWork
from mallcore.pricing import Coupon, Quote, Status

if TYPE_CHECKING:
    from mallcore.services.checkout import Checkout

__all__ = [
    "WalletChoice",
    "claim",
    "coupon_charges",
    "coupon_id",
    "lock_order_coupons",
    "redeem",
    "release_order_coupons",
    "use_order_coupons",
    "wallet_choice",
]


@attrs.frozen(kw_only=True)
class WalletChoice:
    """The wallet coupons a quote was offered, and what placing the order counts for them."""

    coupons: tuple[Coupon, ...] = ()
    selected: tuple[str, ...] | None = None
    instances: Mapping[str, CouponInstance] = attrs.field(factory=dict)
    templates: Mapping[str, CouponTemplate] = attrs.field(factory=dict)
    charges: list[tuple[Charge, int | None]] = attrs.field(factory=list)
    """Each counter the order adds to, with the limit it must stay within."""
    refusals: dict[str, Exception] = attrs.field(factory=dict)
    """Counter keys of picked coupons, and the refusal their limit means."""

    def order_coupons(self, priced: Quote) -> tuple[OrderCoupon, ...]:
        """The wallet coupons ``priced`` used, with the discount each gave."""
        used = []
        for outcome in priced.adjustments():
            instance = self.instances.get(outcome.rule_id)
            if instance is None or outcome.amount is None:
                continue
            template = self.templates[instance.template_id]
            used.append(
                OrderCoupon(
                    coupon_id=instance.id,
                    template_id=template.id,
                    discount=outcome.amount,
                    return_on_refund=template.return_on_refund,
                )
            )
        return tuple(used)


def _count(
    uow: UnitOfWork, key: str, limit: int | None, refusal: CouponUnavailable
) -> dict[str, Exception]:
    """Count one more on ``key`` at commit; refuse now when the limit is already reached."""
    if limit is not None and uow.counters.value(key) >= limit:
        raise refusal
    uow.counters.add(key, 1, limit=limit)
    return {key: refusal}


def coupon_id(template_id: str, customer_id: str, occasion: str) -> str:
    """The id of ``customer_id``'s coupon of ``template_id`` given on ``occasion``.

    Ids are derived, not drawn: the same claim retried, or the same job run
    twice, names the same coupon, so it is stored once.
    """
    digest = hashlib.sha256("\x1f".join((template_id, customer_id, occasion)).encode())
    return f"C{digest.hexdigest()[:24]}"


def claim(
    uow: UnitOfWork,
    template: CouponTemplate,
    customer_id: str,
    *,
    at: datetime,
    occasion: str | None = None,
    code: str | None = None,
) -> tuple[CouponInstance, list[object], dict[str, Exception]]:
    """A new coupon of ``template`` in ``customer_id``'s wallet, its events, and the refusals.

    The coupon's id is :func:`coupon_id` of the ``occasion`` (a job's), else
    of the customer's claim count. The claim window is checked here; the
    issue limits by the counters ``issued`` and ``claimed_by`` at commit
    (the refusals map their keys to ``issue_limit_reached`` and
    ``already_claimed``).
    """
    claimed = uow.counters.value(counters.claimed_by(template.id, customer_id))
    instance_id = coupon_id(template.id, customer_id, occasion or f"claim-{claimed + 1}")
    instance, events = template.claim(instance_id, customer_id, at=at, code=code)
    issue = template.issue
    refusals = {
        **_count(
            uow,
            counters.issued(template.id),
            issue.total,
            CouponUnavailable(template.id, CouponRefusal.ISSUE_LIMIT_REACHED.value),
        ),
        **_count(
            uow,
            counters.claimed_by(template.id, customer_id),
            issue.per_customer,
            CouponUnavailable(template.id, CouponRefusal.ALREADY_CLAIMED.value),
        ),
    }
    uow.coupons.save(instance)
    return instance, list(events), refusals


def redeem(
    uow: UnitOfWork, code: str, customer_id: str, *, at: datetime
) -> tuple[CouponInstance, list[object], dict[str, Exception]]:
    """Claim the template ``code`` names: a shared code once per customer, a generated one once."""
    if not isinstance(code, str) or not is_code(normalize_code(code)):
        raise CouponUnavailable(str(code)[:64], CouponRefusal.UNKNOWN_CODE.value)
    normalized = normalize_code(code)
    try:
        template = uow.coupon_templates.find_by_code(normalized)
    except NotFound:
        raise CouponUnavailable(normalized, CouponRefusal.UNKNOWN_CODE.value) from None
    shared = template.code == normalized
    key = counters.code_redeemed(f"{normalized}:{customer_id}" if shared else normalized)
    reason = CouponRefusal.ALREADY_CLAIMED if shared else CouponRefusal.CODE_USED
    refusals = _count(uow, key, 1, CouponUnavailable(normalized, reason.value))
    instance, events, claimed = claim(uow, template, customer_id, at=at, code=normalized)
    return instance, events, {**refusals, **claimed}


def coupon_charges(
    template: CouponTemplate, customer_id: str, discount: Money
) -> list[tuple[Charge, int | None]]:
    """The counters one use of a ``template`` coupon adds to, each with its limit."""
    use = template.use
    charges: list[tuple[Charge, int | None]] = [
        (Charge(counters.uses(template.id), 1), use.total),
        (Charge(counters.used_by(template.id, customer_id), 1), use.per_customer),
    ]
    if use.budget is not None:
        charges.append(
            (
                Charge(counters.budget_spent(template.id), discount.minor_units),
                use.budget.minor_units,
            )
        )
    return charges


def _refusal(
    uow: UnitOfWork,
    instance: CouponInstance,
    template: CouponTemplate,
    *,
    currency: str,
    now: datetime,
) -> CouponRefusal | None:
    """Why ``instance`` cannot be used now (its state, its template's counts), or None."""
    state = instance.usability(now)
    if state is not None:
        return state
    if template.currency not in (None, currency):
        return CouponRefusal.CURRENCY
    use = template.use
    customer = instance.customer_id
    if use.total is not None and uow.counters.value(counters.uses(template.id)) >= use.total:
        return CouponRefusal.LIMIT_REACHED
    used_by = uow.counters.value(counters.used_by(template.id, customer))
    if use.per_customer is not None and used_by >= use.per_customer:
        return CouponRefusal.LIMIT_REACHED
    if use.budget is not None and _budget_left(uow, template.id, use.budget) <= 0:
        return CouponRefusal.BUDGET_SPENT
    return None


def _budget_left(uow: UnitOfWork, template_id: str, budget: Money) -> int:
    """The minor units of a template's ``budget`` not yet granted."""
    return budget.minor_units - uow.counters.value(counters.budget_spent(template_id))


def _templates(uow: UnitOfWork, instances: Sequence[CouponInstance]) -> dict[str, CouponTemplate]:
    return {
        template_id: uow.coupon_templates.get(template_id)
        for template_id in {instance.template_id for instance in instances}
    }


def _picked(
    uow: UnitOfWork, checkout: Checkout, picked: tuple[str, ...], *, currency: str, now: datetime
) -> tuple[list[CouponInstance], dict[str, CouponTemplate]]:
    instances = []
    for coupon_id in picked:
        try:
            instance = uow.coupons.get(coupon_id)
        except NotFound:
            raise CouponUnavailable(coupon_id, CouponRefusal.NOT_CLAIMED.value) from None
        if instance.customer_id != checkout.customer_id:
            raise CouponUnavailable(coupon_id, CouponRefusal.NOT_CLAIMED.value)
        instances.append(instance)
    templates = _templates(uow, instances)
    for instance in instances:
        refusal = _refusal(
            uow, instance, templates[instance.template_id], currency=currency, now=now
        )
        if refusal is not None:
            raise CouponUnavailable(instance.id, refusal.value)
    return instances, templates


def _usable(
    uow: UnitOfWork, checkout: Checkout, *, currency: str, now: datetime
) -> tuple[list[CouponInstance], dict[str, CouponTemplate]]:
    held = [i for i in uow.coupons.of_customer(checkout.customer_id) if i.usability(now) is None]
    templates = _templates(uow, held)
    usable = [
        instance
        for instance in held
        if _refusal(uow, instance, templates[instance.template_id], currency=currency, now=now)
        is None
    ]
    return usable, templates


def wallet_choice(
    uow: UnitOfWork,
    checkout: Checkout,
    config: Configuration,
    *,
    now: datetime,
    subtotal: Money,
    price: Callable[[WalletChoice], Quote],
) -> tuple[WalletChoice, Quote]:
    """Price with the wallet: the picked coupons (checked), or the best of the usable ones.

    ``price`` prices the cart with a choice; ``subtotal`` (the cart at its
    unit prices) ranks the wallet's coupons when there are more than the
    search weighs. A coupon whose discount would
    pass what is left of its template's budget is refused when picked
    (``budget_spent``) and left out of the search otherwise: never applied in
    part.
    """
    picked = checkout.coupons
    currency = subtotal.currency
    if picked is not None:
        instances, templates = _picked(uow, checkout, picked, currency=currency, now=now)
    else:
        usable, templates = _usable(uow, checkout, currency=currency, now=now)
        instances = list(
            best_candidates(usable, templates, now=now, limit=config.settings.wallet_candidates)
        )
    while True:
        choice = WalletChoice(
            coupons=tuple(templates[i.template_id].pricing_coupon(i) for i in instances),
            selected=picked,
            instances={instance.id: instance for instance in instances},
            templates=templates,
        )
        priced = price(choice)
        over = _over_budget(uow, choice, priced)
        if over is None:
            return _counted(choice, priced, checkout.customer_id), priced
        if picked is not None:
            raise CouponUnavailable(over.id, CouponRefusal.BUDGET_SPENT.value)
        instances = [instance for instance in instances if instance.id != over.id]


def _over_budget(uow: UnitOfWork, choice: WalletChoice, priced: Quote) -> CouponInstance | None:
    """The first coupon ``priced`` used whose discount passes its budget's rest, or None."""
    if choice.selected is not None:
        outcomes = {outcome.rule_id: outcome for outcome in priced.outcomes}
        for coupon_id in choice.selected:
            outcome = outcomes.get(coupon_id)
            if outcome is None or outcome.status is not Status.APPLIED:
                detail = "" if outcome is None else f": {outcome.detail or outcome.status.value}"
                raise CouponUnavailable(coupon_id, f"{CouponRefusal.NOT_APPLICABLE.value}{detail}")
    for coupon in choice.order_coupons(priced):
        budget = choice.templates[coupon.template_id].use.budget
        if budget is not None and coupon.discount.minor_units > _budget_left(
            uow, coupon.template_id, budget
        ):
            return choice.instances[coupon.coupon_id]
    return None


def _counted(choice: WalletChoice, priced: Quote, customer_id: str) -> WalletChoice:
    charges: list[tuple[Charge, int | None]] = []
    refusals: dict[str, Exception] = {}
    for coupon in choice.order_coupons(priced):
        counted = coupon_charges(choice.templates[coupon.template_id], customer_id, coupon.discount)
        charges.extend(counted)
        if choice.selected is not None:
            for charge, _ in counted:
                reason = (
                    CouponRefusal.BUDGET_SPENT
                    if charge.key == counters.budget_spent(coupon.template_id)
                    else CouponRefusal.LIMIT_REACHED
                )
                refusals[charge.key] = CouponUnavailable(coupon.coupon_id, reason.value)
    return attrs.evolve(choice, charges=charges, refusals=refusals)


def _each(
    uow: UnitOfWork,
    order: Order,
    change: Callable[[CouponInstance], tuple[CouponInstance, tuple[object, ...]]],
) -> list[object]:
    events: list[object] = []
    for coupon in order.coupons:
        instance, changed = change(uow.coupons.get(coupon.coupon_id))
        if changed:
            uow.coupons.save(instance)
            events.extend(changed)
    return events


def lock_order_coupons(uow: UnitOfWork, order: Order, *, at: datetime) -> list[object]:
    """Lock the wallet coupons a new ``order`` uses, for it."""
    return _each(uow, order, lambda instance: instance.lock(order.id, at=at))


def use_order_coupons(uow: UnitOfWork, order: Order, *, at: datetime) -> list[object]:
    """Mark a paid ``order``'s coupons used."""
    return _each(uow, order, lambda instance: instance.use(order.id, at=at))


def release_order_coupons(
    uow: UnitOfWork, order: Order, *, at: datetime, refunded: bool = False
) -> list[object]:
    """Give an order's coupons back: all when it is cancelled, when ``refunded`` those returned.

    A cancelled order gives back every count it added (``Order.charges``); a
    refunded one the counts of the coupons it returns.
    """
    returned = [coupon for coupon in order.coupons if coupon.return_on_refund or not refunded]
    events: list[object] = []
    for coupon in returned:
        instance, changed = uow.coupons.get(coupon.coupon_id).release(order.id, at=at)
        if changed:
            uow.coupons.save(instance)
            events.extend(changed)
    if not refunded:
        for charge in order.charges:
            uow.counters.add(charge.key, -charge.amount)
        return events
    for coupon in returned:
        template = uow.coupon_templates.get(coupon.template_id)
        for charge, _ in coupon_charges(template, order.customer_id, coupon.discount):
            uow.counters.add(charge.key, -charge.amount)
    return events
