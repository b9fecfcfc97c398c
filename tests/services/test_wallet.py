"""Coupons as stored state through the Mall: claims, the wallet at checkout, uses, give-backs."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest

from mallcore.coupons import CouponState, CouponTemplate, IssueLimits, UseLimits, Validity
from mallcore.errors import CouponUnavailable
from mallcore.merchant import Settings
from mallcore.money import Money
from mallcore.pricing import AmountOffCoupon, Audience, Window
from tests.services.conftest import OPENING, Shop

TEN_OFF_100 = CouponTemplate(
    id="ten-off-100",
    name="满100减10",
    coupon=AmountOffCoupon(
        id="ten-off-100", amount_off=Money("10", "CNY"), min_spend=Money("100", "CNY")
    ),
    validity=Validity.relative(days=7),
)
"""满100减10, valid 7 × 24 h from the claim."""
TWENTY_OFF_200 = attrs.evolve(
    TEN_OFF_100,
    id="twenty-off-200",
    name="满200减20",
    coupon=AmountOffCoupon(
        id="twenty-off-200", amount_off=Money("20", "CNY"), min_spend=Money("200", "CNY")
    ),
)


def _reason(error: pytest.ExceptionInfo[CouponUnavailable]) -> str:
    return error.value.reason


def _with(shop: Shop, template: CouponTemplate, *customers: str) -> list[str]:
    """Save ``template`` and let each customer claim one; the coupon ids."""
    shop.mall.save_coupon_template(template)
    return [shop.mall.claim_coupon(customer, template.id).id for customer in customers]


def test_a_claimed_coupon_is_in_the_wallet_and_valid_seven_days_to_the_second(
    shop: Shop,
) -> None:
    (coupon_id,) = _with(shop, TEN_OFF_100, "alice")

    wallet = shop.mall.wallet("alice")

    assert [c.id for c in wallet.usable] == [coupon_id]
    assert wallet.usable[0].valid_until == OPENING + timedelta(days=7)


def test_a_coupon_with_a_total_use_limit_of_one_serves_one_order(shop: Shop) -> None:
    once = attrs.evolve(TEN_OFF_100, use=UseLimits(total=1))
    alice, bob = _with(shop, once, "alice", "bob")
    shop.place({"tea": 2}, coupons=[alice])
    before = shop.dump()

    with pytest.raises(CouponUnavailable) as refused:
        shop.mall.place_order(
            "O-2", attrs.evolve(shop.checkout({"tea": 2}, coupons=[bob]), customer_id="bob")
        )

    assert _reason(refused) == "limit_reached"
    assert shop.dump() == before


def test_a_coupon_used_by_a_paid_order_cannot_be_used_again(shop: Shop) -> None:
    (coupon_id,) = _with(shop, TEN_OFF_100, "alice")
    first = shop.place({"tea": 2}, coupons=[coupon_id])
    shop.notify(*shop.payment())

    with pytest.raises(CouponUnavailable) as refused:
        shop.place({"tea": 2}, "O-2", coupons=[coupon_id])

    assert first.payable == Money("110.00", "CNY")
    assert _reason(refused) == "used"
    assert [c.id for c in shop.mall.wallet("alice").used] == [coupon_id]


def test_with_no_pick_the_best_usable_coupon_is_chosen(shop: Shop) -> None:
    small, big = _with(shop, TEN_OFF_100, "alice") + _with(shop, TWENTY_OFF_200, "alice")

    order = shop.place({"tea": 4})

    assert order.coupon_ids == (big,)
    assert order.payable == Money("220.00", "CNY")
    assert [c.id for c in shop.mall.wallet("alice").locked] == [big]
    assert small != big


def test_a_newcomer_coupon_is_chosen_for_a_first_order_only(shop: Shop) -> None:
    newcomers = attrs.evolve(
        TEN_OFF_100,
        id="newcomer",
        coupon=AmountOffCoupon(
            id="newcomer", amount_off=Money("10", "CNY"), audience=Audience(new_customers_only=True)
        ),
        use=UseLimits(per_customer=2),
    )
    shop.mall.save_coupon_template(newcomers)
    shop.mall.claim_coupon("alice", newcomers.id)
    first = shop.place({"tea": 1})
    shop.mall.cancel_order(first.id)

    again = shop.place({"tea": 1}, "O-2")

    assert (first.payable, first.coupon_ids != ()) == (Money("50.00", "CNY"), True)
    assert (again.payable, again.coupon_ids) == (Money("60.00", "CNY"), ())


def test_an_unusable_coupon_is_simply_not_chosen(shop: Shop) -> None:
    once = attrs.evolve(TEN_OFF_100, use=UseLimits(total=1))
    alice, bob = _with(shop, once, "alice", "bob")
    shop.mall.place_order("B-1", attrs.evolve(shop.checkout({"tea": 2}), customer_id="bob"))

    order = shop.place({"tea": 2})

    assert (order.coupon_ids, order.payable) == ((), Money("120.00", "CNY"))
    assert alice != bob


@pytest.mark.parametrize(
    ("coupon", "after", "reason"),
    [
        ("mine", timedelta(days=7), "expired"),
        ("bobs", timedelta(0), "not_claimed"),
        ("nobodys", timedelta(0), "not_claimed"),
    ],
)
def test_a_picked_coupon_that_cannot_apply_refuses_the_order_with_its_reason(
    shop: Shop, coupon: str, after: timedelta, reason: str
) -> None:
    mine, bobs = _with(shop, TEN_OFF_100, "alice", "bob")
    picked = {"mine": mine, "bobs": bobs, "nobodys": "C-none"}[coupon]
    shop.clock.advance(after)
    before = shop.dump()

    with pytest.raises(CouponUnavailable) as refused:
        shop.place({"tea": 2}, coupons=[picked])

    assert _reason(refused) == reason
    assert shop.dump() == before


def test_a_picked_coupon_below_its_threshold_is_not_applicable(shop: Shop) -> None:
    (coupon_id,) = _with(shop, TEN_OFF_100, "alice")

    with pytest.raises(CouponUnavailable) as refused:
        shop.place({"tea": 1}, coupons=[coupon_id])

    assert _reason(refused).startswith("not_applicable")


def test_a_coupon_in_another_currency_is_refused_by_name(shop: Shop) -> None:
    dollars = attrs.evolve(
        TEN_OFF_100,
        id="usd",
        coupon=AmountOffCoupon(id="usd", amount_off=Money("1", "USD")),
    )
    (coupon_id,) = _with(shop, dollars, "alice")

    with pytest.raises(CouponUnavailable) as refused:
        shop.place({"tea": 1}, coupons=[coupon_id])

    assert _reason(refused) == "currency"


def test_a_budget_is_never_passed_and_never_applied_in_part(shop: Shop) -> None:
    fifteen = attrs.evolve(TEN_OFF_100, use=UseLimits(budget=Money("15", "CNY")))
    alice, bob = _with(shop, fifteen, "alice", "bob")
    shop.place({"tea": 2}, coupons=[alice])
    bobs = attrs.evolve(shop.checkout({"tea": 2}, coupons=[bob]), customer_id="bob")

    with pytest.raises(CouponUnavailable) as refused:
        shop.mall.place_order("O-2", bobs)
    unpicked = shop.mall.place_order("O-3", attrs.evolve(bobs, coupons=None))

    assert _reason(refused) == "budget_spent"
    assert unpicked.coupon_ids == ()


def test_a_cancelled_order_gives_its_coupon_and_its_count_back(shop: Shop) -> None:
    once = attrs.evolve(TEN_OFF_100, use=UseLimits(total=1))
    (coupon_id,) = _with(shop, once, "alice")
    shop.place({"tea": 2}, coupons=[coupon_id])

    shop.mall.cancel_order("O-1")
    again = shop.place({"tea": 2}, "O-2", coupons=[coupon_id])

    assert again.coupon_ids == (coupon_id,)


def test_an_order_unpaid_at_its_deadline_gives_its_coupon_back(shop: Shop) -> None:
    (coupon_id,) = _with(shop, TEN_OFF_100, "alice")
    shop.place({"tea": 2}, coupons=[coupon_id])
    shop.clock.advance(timedelta(minutes=30))

    shop.mall.cancel_overdue_orders()

    assert [c.id for c in shop.mall.wallet("alice").usable] == [coupon_id]


@pytest.mark.parametrize(
    ("returned", "state"), [(True, CouponState.AVAILABLE), (False, CouponState.USED)]
)
def test_a_full_refund_returns_the_coupon_when_the_template_says_so(
    shop: Shop, returned: bool, state: CouponState
) -> None:
    (coupon_id,) = _with(shop, attrs.evolve(TEN_OFF_100, return_on_refund=returned), "alice")
    shop.place({"tea": 2}, coupons=[coupon_id])
    shop.notify(*shop.payment())

    shop.mall.refund_order("O-1", "RMA-1", {"tea": 2}, reason="不想要了")

    with shop.uow() as uow:
        assert uow.coupons.get(coupon_id).state is state


def test_claims_never_pass_the_issue_limits(shop: Shop) -> None:
    two = attrs.evolve(TEN_OFF_100, issue=IssueLimits(total=2, per_customer=1))
    _with(shop, two, "alice")

    with pytest.raises(CouponUnavailable) as twice:
        shop.mall.claim_coupon("alice", two.id)
    shop.mall.claim_coupon("bob", two.id)
    with pytest.raises(CouponUnavailable) as third:
        shop.mall.claim_coupon("carol", two.id)

    assert (_reason(twice), _reason(third)) == ("already_claimed", "issue_limit_reached")


def test_a_claim_outside_the_claim_window_is_refused(shop: Shop) -> None:
    later = attrs.evolve(TEN_OFF_100, claim_window=Window(starts_at=OPENING + timedelta(days=1)))
    shop.mall.save_coupon_template(later)

    with pytest.raises(CouponUnavailable) as refused:
        shop.mall.claim_coupon("alice", later.id)

    assert _reason(refused) == "claim_closed"


def test_a_shared_code_claims_once_per_customer(shop: Shop) -> None:
    shop.mall.save_coupon_template(attrs.evolve(TEN_OFF_100, code="DOUBLE11"))

    shop.mall.redeem_code("alice", "double-11")
    shop.mall.redeem_code("bob", "DOUBLE11")
    with pytest.raises(CouponUnavailable) as again:
        shop.mall.redeem_code("alice", "DOUBLE11")

    assert _reason(again) == "already_claimed"


def test_a_generated_code_claims_once(shop: Shop) -> None:
    shop.mall.save_coupon_template(TEN_OFF_100)
    first, second = shop.mall.issue_codes(TEN_OFF_100.id, 2)

    claimed = shop.mall.redeem_code("alice", first)
    with pytest.raises(CouponUnavailable) as reused:
        shop.mall.redeem_code("bob", first)
    with pytest.raises(CouponUnavailable) as unknown:
        shop.mall.redeem_code("bob", "NOSUCHCODE00")

    assert claimed.template_id == TEN_OFF_100.id
    assert (_reason(reused), _reason(unknown)) == ("code_used", "unknown_code")
    assert first != second


def test_the_birthday_job_gives_one_coupon_a_year_however_often_it_runs(shop: Shop) -> None:
    shop.mall.save_coupon_template(TEN_OFF_100)
    shop.mall.register_member("alice", birthday=date(1990, 11, 11))
    shop.mall.register_member("bob", birthday=date(1990, 5, 1))

    first = shop.mall.issue_birthday_coupons(TEN_OFF_100.id)
    again = shop.mall.issue_birthday_coupons(TEN_OFF_100.id)

    assert (first.done, again.done) == (("alice",), ())
    assert len(shop.mall.wallet("alice").usable) == 1
    assert shop.mall.wallet("bob").usable == ()


def test_the_new_member_job_gives_each_new_member_one_coupon(shop: Shop) -> None:
    shop.mall.save_coupon_template(TEN_OFF_100)
    shop.mall.register_member("alice")
    shop.clock.advance(timedelta(days=2))
    shop.mall.register_member("bob")

    issued = shop.mall.issue_new_member_coupons(TEN_OFF_100.id, within=timedelta(days=1))
    again = shop.mall.issue_new_member_coupons(TEN_OFF_100.id, within=timedelta(days=1))

    assert (issued.done, again.done) == (("bob",), ())


def test_a_big_wallet_is_searched_among_a_bounded_number_of_coupons(shop: Shop) -> None:
    shop.configure(settings=Settings(wallet_candidates=3))
    many = [
        attrs.evolve(TEN_OFF_100, id=f"t-{n}", coupon=attrs.evolve(TEN_OFF_100.coupon, id=f"t-{n}"))
        for n in range(30)
    ]
    for template in many:
        _with(shop, template, "alice")

    order = shop.place({"tea": 2})

    assert order.payable == Money("110.00", "CNY")
