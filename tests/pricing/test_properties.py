"""Laws of the engine on random carts, promotions and wallets, one law per test."""

from __future__ import annotations

import itertools
import math
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.money import Money
from mallcore.pricing import Cart, Coupon, Customer, Promotion, Quote, Status, quote
from mallcore.testing.strategies import carts, coupons, customers, promotions, wallets
from mallcore.testing.strategies._pricing import PRICING_EPOCH

Scenario = tuple[Cart, list[Promotion], list[Coupon], Customer]


@st.composite
def scenarios(draw: st.DrawFn, *, max_promotions: int = 4, max_coupons: int = 5) -> Scenario:
    cart = draw(carts())
    count = draw(st.integers(0, max_promotions))
    rules = [draw(promotions(cart.currency, rule_id=f"promo-{n}")) for n in range(count)]
    wallet = draw(wallets(cart.currency, max_size=max_coupons))
    return cart, rules, wallet, draw(customers())


def _priced(scenario: Scenario) -> Quote:
    cart, rules, wallet, customer = scenario
    return quote(cart, promotions=rules, coupons=wallet, customer=customer, now=PRICING_EPOCH)


def _sum(amounts: list[Money], currency: str) -> Money:
    return sum(amounts, start=Money.zero(currency))


@given(scenarios())
def test_the_lines_payables_add_up_to_the_payable(scenario: Scenario) -> None:
    priced = _priced(scenario)

    assert _sum([line.payable for line in priced.lines], priced.currency) == priced.payable
    assert priced.total - priced.discount == priced.payable


@given(scenarios())
def test_every_line_keeps_its_total_less_its_discounts(scenario: Scenario) -> None:
    priced = _priced(scenario)

    for line in priced.lines:
        discounts = _sum([discount.amount for discount in line.discounts], priced.currency)
        assert line.total - discounts == line.payable


@given(scenarios())
def test_an_applied_rules_shares_add_up_to_its_amount(scenario: Scenario) -> None:
    priced = _priced(scenario)

    for outcome in priced.outcomes:
        if outcome.status is Status.APPLIED and outcome.amount is not None:
            shares = _sum([share.amount for share in outcome.per_line], priced.currency)
            assert shares == outcome.amount


@given(scenarios())
def test_a_quotes_lines_outcomes_and_alternatives_read_late_are_those_read_at_once(
    scenario: Scenario,
) -> None:
    cart = scenario[0]
    at_once = _priced(scenario)
    read = (at_once.lines, at_once.outcomes, at_once.alternatives)

    late = _priced(scenario)
    without_rules = quote(cart, now=PRICING_EPOCH)
    assert len(without_rules.lines) == len(cart.lines)

    assert (late.lines, late.outcomes, late.alternatives) == read


@given(scenarios())
def test_nothing_is_ever_negative(scenario: Scenario) -> None:
    priced = _priced(scenario)

    assert not priced.payable.is_negative()
    for line in priced.lines:
        assert not line.payable.is_negative()
        assert all(not unit.is_negative() for unit in line.unit_payables())


@given(scenarios())
def test_no_units_item_discounts_exceed_its_price(scenario: Scenario) -> None:
    priced = _priced(scenario)

    for line in priced.lines:
        taken = [0] * line.quantity
        for discount in line.discounts:
            for unit, part in enumerate(discount.units):
                taken[unit] += part.minor_units
        prices = [price.minor_units for price in line.unit_prices()]
        assert all(off <= price for off, price in zip(taken, prices, strict=True))


@given(scenarios())
def test_the_units_payables_add_up_to_the_lines_payable(scenario: Scenario) -> None:
    priced = _priced(scenario)

    for line in priced.lines:
        assert _sum(list(line.unit_payables()), priced.currency) == line.payable


@given(scenarios())
def test_every_rule_given_gets_exactly_one_outcome(scenario: Scenario) -> None:
    _, rules, wallet, _ = scenario

    priced = _priced(scenario)

    assert sorted(o.rule_id for o in priced.outcomes) == sorted(r.id for r in [*rules, *wallet])


@given(scenarios())
def test_the_chosen_coupons_cost_no_more_than_any_listed_alternative(scenario: Scenario) -> None:
    priced = _priced(scenario)

    assert all(priced.payable <= alternative.payable for alternative in priced.alternatives)


@settings(max_examples=60)
@given(scenarios(max_coupons=6))
def test_the_search_agrees_with_trying_every_subset(scenario: Scenario) -> None:
    cart, rules, wallet, customer = scenario

    searched = _priced(scenario)
    exhaustive = quote(
        cart,
        promotions=rules,
        coupons=wallet,
        customer=customer,
        now=PRICING_EPOCH,
        exhaustive=True,
    )

    assert searched.coupon_ids == exhaustive.coupon_ids
    assert searched.payable == exhaustive.payable


def _expiry(coupon: Coupon) -> float:
    ends = coupon.valid_window().ends_at
    return math.inf if ends is None else ends.timestamp()


def _best_of_every_selection(scenario: Scenario) -> tuple[object, ...]:
    """The tie-break key of the best selection a shopper could make, tried one by one."""
    cart, rules, wallet, customer = scenario
    by_id = {coupon.id: coupon for coupon in wallet}
    options = []
    for size in range(len(wallet) + 1):
        for subset in itertools.combinations(sorted(by_id), size):
            chosen = quote(
                cart,
                promotions=rules,
                coupons=wallet,
                customer=customer,
                now=PRICING_EPOCH,
                selected=subset,
            )
            if all(chosen.outcome(i).status is Status.APPLIED for i in subset):
                options.append(_selection_key(wallet, subset, chosen.payable))
    return min(options)


def _selection_key(
    wallet: list[Coupon], ids: tuple[str, ...], payable: Money
) -> tuple[object, ...]:
    by_id = {coupon.id: coupon for coupon in wallet}
    return (
        payable.minor_units,
        len(ids),
        tuple(sorted(_expiry(by_id[i]) for i in ids)),
        tuple(sorted(ids)),
    )


@settings(max_examples=40)
@given(scenarios(max_promotions=2, max_coupons=4))
def test_the_best_choice_is_the_best_of_every_selection_a_shopper_could_make(
    scenario: Scenario,
) -> None:
    best = _priced(scenario)

    assert _selection_key(scenario[2], best.coupon_ids, best.payable) == (
        _best_of_every_selection(scenario)
    )


@settings(max_examples=40)
@given(scenarios(max_promotions=2, max_coupons=2), st.data())
def test_an_exclusive_coupon_is_weighed_alone_against_every_other_selection(
    scenario: Scenario, data: st.DataObject
) -> None:
    cart, rules, wallet, customer = scenario
    exclusive = data.draw(coupons(cart.currency, rule_id="coupon-exclusive", exclusive=True))
    with_exclusive = (cart, rules, [*wallet, exclusive], customer)

    best = _priced(with_exclusive)

    assert _selection_key(with_exclusive[2], best.coupon_ids, best.payable) == (
        _best_of_every_selection(with_exclusive)
    )


@settings(max_examples=40)
@given(scenarios(max_promotions=2, max_coupons=3), st.integers(0, 2), st.integers(0, 2))
def test_every_listed_alternative_costs_what_selecting_it_costs(
    scenario: Scenario, max_platform: int, max_shop: int
) -> None:
    cart, rules, wallet, customer = scenario

    def priced(selected: tuple[str, ...] | None) -> Quote:
        return quote(
            cart,
            promotions=rules,
            coupons=wallet,
            customer=customer,
            now=PRICING_EPOCH,
            selected=selected,
            max_platform_coupons=max_platform,
            max_shop_coupons=max_shop,
        )

    for alternative in priced(None).alternatives:
        selected = priced(alternative.coupon_ids)
        assert selected.coupon_ids == alternative.coupon_ids
        assert selected.payable == alternative.payable


@settings(max_examples=60)
@given(scenarios(max_coupons=5), st.randoms(use_true_random=False))
def test_the_choice_does_not_depend_on_the_order_of_the_wallet(
    scenario: Scenario, random: Random
) -> None:
    cart, rules, wallet, customer = scenario
    shuffled = list(wallet)
    random.shuffle(shuffled)

    first = _priced(scenario)
    second = _priced((cart, rules, shuffled, customer))

    assert first.coupon_ids == second.coupon_ids
    assert first.payable == second.payable


@settings(max_examples=60)
@given(scenarios(max_coupons=5), st.data())
def test_one_more_coupon_in_the_wallet_never_raises_the_best_payable(
    scenario: Scenario, data: st.DataObject
) -> None:
    cart, rules, wallet, customer = scenario
    extra = data.draw(coupons(cart.currency, rule_id="coupon-extra"))

    before = _priced(scenario)
    after = _priced((cart, rules, [*wallet, extra], customer))

    assert after.payable <= before.payable


@settings(max_examples=60)
@given(scenarios(max_coupons=3))
def test_no_pick_of_a_group_member_beats_the_engines_choice(scenario: Scenario) -> None:
    cart, rules, wallet, customer = scenario
    grouped = [rule.id for rule in rules if rule.stacking.group is not None]

    best = _priced(scenario)

    for rule_id in grouped:
        picked = quote(
            cart,
            promotions=rules,
            coupons=wallet,
            customer=customer,
            now=PRICING_EPOCH,
            chosen_promotions=[rule_id],
        )
        assert best.payable <= picked.payable
