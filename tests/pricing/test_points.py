"""The points stage (积分抵扣) of a quote and the earning preview: examples, then laws."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import InvalidValue
from mallcore.loyalty import EarningPolicy, RedemptionPolicy, RedemptionStatus
from mallcore.money import Money
from mallcore.pricing import (
    AmountOffCoupon,
    Cart,
    CartLine,
    Coupon,
    PointsOffer,
    Quote,
    Stage,
    Status,
    quote,
)
from mallcore.serialization import converter
from mallcore.shipping import ChargeBy, FreightTemplate, Rate, ShippingSetup
from mallcore.testing.strategies import (
    carts,
    earning_policies,
    redemption_policies,
    shipping_setups,
    wallets,
)
from mallcore.testing.strategies._pricing import PRICING_EPOCH

NOW = datetime(2026, 11, 11, 10, tzinfo=UTC)


def _cny(amount: str) -> Money:
    return Money(amount, "CNY")


def _cart() -> Cart:
    return Cart(
        currency="CNY",
        lines=[
            CartLine(
                line_id="tea", sku_id="tea", product_id="tea", quantity=1, list_price=_cny("43.00")
            ),
            CartLine(
                line_id="cup", sku_id="cup", product_id="cup", quantity=1, list_price=_cny("14.00")
            ),
            CartLine(
                line_id="pot", sku_id="pot", product_id="pot", quantity=1, list_price=_cny("23.00")
            ),
        ],
    )


def _coupon() -> Coupon:
    return AmountOffCoupon(id="c10", amount_off=_cny("10.00"))


def test_points_come_off_the_lines_by_largest_remainder_over_their_payables() -> None:
    # JD's 京豆 rule: 100 beans make 1 yuan, at most 50% of the order (help.jd.com).
    offer = PointsOffer(policy=RedemptionPolicy(points_per_unit=100, max_share=50), available=299)

    priced = quote(_cart(), points=offer, now=NOW)

    assert priced.points is not None
    assert (priced.points.points, priced.points.amount) == (299, _cny("2.99"))
    assert [line.payable for line in priced.lines] == [_cny("41.39"), _cny("13.48"), _cny("22.14")]
    assert priced.payable == _cny("77.01")
    assert priced.discount == _cny("2.99")


def test_the_points_stage_is_explained_after_the_coupons() -> None:
    offer = PointsOffer(policy=RedemptionPolicy(max_share=10), available=10_000)

    priced = quote(_cart(), coupons=[_coupon()], points=offer, now=NOW)

    outcome = priced.outcome("points")
    assert (outcome.kind, outcome.stage, outcome.status) == (
        "points_redemption",
        Stage.POINTS,
        Status.APPLIED,
    )
    assert outcome.amount == _cny("7.00")
    assert outcome.detail == "at most 10% of the payable 70.00 CNY"
    assert [o.stage for o in priced.outcomes] == [Stage.COUPON, Stage.POINTS]


def test_points_that_do_not_combine_with_coupons_are_refused_with_the_reason() -> None:
    offer = PointsOffer(policy=RedemptionPolicy(with_coupons=False), available=10_000)

    priced = quote(_cart(), coupons=[_coupon()], points=offer, now=NOW)

    outcome = priced.outcome("points")
    assert (outcome.status, outcome.amount) == (Status.REFUSED, None)
    assert outcome.detail == "points do not combine with coupons"
    assert priced.points is not None
    assert priced.points.status is RedemptionStatus.REFUSED
    assert priced.payable == _cny("70.00")


def test_a_refund_of_one_unit_sees_the_points_taken_off_it() -> None:
    cart = Cart(
        currency="CNY",
        lines=[
            CartLine(
                line_id="tea", sku_id="tea", product_id="tea", quantity=3, list_price=_cny("2.00")
            )
        ],
    )
    offer = PointsOffer(policy=RedemptionPolicy(), available=100, requested=100)

    priced = quote(cart, points=offer, now=NOW)

    assert priced.lines[0].unit_payables() == (_cny("1.67"), _cny("1.67"), _cny("1.66"))


def test_a_policy_covering_freight_covers_the_goods_alone_when_there_is_no_freight() -> None:
    offer = PointsOffer(policy=RedemptionPolicy(covers_freight=True), available=100_000)

    priced = quote(_cart(), points=offer, now=NOW)

    assert priced.points is not None
    assert priced.points.amount == _cny("80.00")
    assert priced.payable == _cny("0.00")


FREIGHT = ShippingSetup(
    templates=[
        FreightTemplate(
            id="A",
            charge_by=ChargeBy.PIECE,
            default=Rate(first=1, first_fee=_cny("8.00"), step=1, step_fee=_cny("2.00")),
        )
    ],
    default_template="A",
)


def test_points_covering_freight_pay_for_the_goods_and_the_freight_by_largest_remainder() -> None:
    # Freight 8 + 2 + 2 = 12.00 on goods of 43 + 14 + 23 = 80.00: 10.00 of points over
    # 92.00 by largest remainder, the freight a fourth line (1.3043 rounds up to 1.31).
    offer = PointsOffer(policy=RedemptionPolicy(covers_freight=True), available=1_000)

    priced = quote(_cart(), points=offer, shipping=FREIGHT, destination="110101", now=NOW)

    assert priced.freight is not None
    assert priced.freight.amount == _cny("12.00")
    assert priced.freight_points == _cny("1.31")
    assert [line.payable for line in priced.lines] == [_cny("38.33"), _cny("12.48"), _cny("20.50")]
    assert priced.payable == _cny("71.31")
    assert priced.freight_due() == _cny("10.69")
    assert priced.amount_due() == _cny("82.00")
    assert "1.31 of it on the freight" in priced.outcome("points").detail


def test_points_may_pay_the_whole_freight_when_they_cover_everything() -> None:
    offer = PointsOffer(policy=RedemptionPolicy(covers_freight=True), available=100_000)

    priced = quote(_cart(), points=offer, shipping=FREIGHT, destination="110101", now=NOW)

    assert priced.points is not None
    assert priced.points.amount == _cny("92.00")
    assert (priced.payable, priced.freight_due(), priced.amount_due()) == (
        _cny("0.00"),
        _cny("0.00"),
        _cny("0.00"),
    )


def test_points_not_covering_freight_leave_it_to_be_priced_after_them() -> None:
    offer = PointsOffer(policy=RedemptionPolicy(), available=100_000)

    priced = quote(_cart(), points=offer, shipping=FREIGHT, destination="110101", now=NOW)

    assert priced.freight_points is None
    assert (priced.payable, priced.freight_due()) == (_cny("0.00"), _cny("12.00"))


def test_the_earning_preview_counts_what_is_paid_after_the_points() -> None:
    offer = PointsOffer(policy=RedemptionPolicy(), available=1_050, requested=1_050)

    priced = quote(_cart(), points=offer, earning=EarningPolicy(), now=NOW)

    assert priced.points_earned is not None
    assert priced.points_earned.points == 69


def test_a_rule_may_not_take_the_points_stage_id() -> None:
    offer = PointsOffer(policy=RedemptionPolicy(), available=1)

    with pytest.raises(InvalidValue, match="points stage"):
        quote(
            _cart(),
            coupons=[AmountOffCoupon(id="points", amount_off=_cny("1.00"))],
            points=offer,
            now=NOW,
        )


def test_an_offer_refuses_negative_points() -> None:
    with pytest.raises(InvalidValue, match="available"):
        PointsOffer(policy=RedemptionPolicy(), available=-1)


@st.composite
def offered(draw: st.DrawFn) -> tuple[Quote, Quote, PointsOffer]:
    cart = draw(carts())
    wallet = draw(wallets(cart.currency, max_size=2))
    offer = PointsOffer(
        policy=draw(redemption_policies(cart.currency)),
        available=draw(st.integers(0, 100_000)),
        requested=draw(st.none() | st.integers(0, 100_000)),
    )
    before = quote(cart, coupons=wallet, now=PRICING_EPOCH)
    after = quote(cart, coupons=wallet, points=offer, now=PRICING_EPOCH)
    return before, after, offer


@given(offered())
def test_with_points_the_lines_still_add_up_to_the_payable(
    case: tuple[Quote, Quote, PointsOffer],
) -> None:
    _, priced, _ = case

    lines = sum((line.payable for line in priced.lines), start=Money.zero(priced.currency))

    assert lines == priced.payable == priced.total - priced.discount


@given(offered())
def test_points_take_off_exactly_their_money_and_never_more_than_the_payable(
    case: tuple[Quote, Quote, PointsOffer],
) -> None:
    before, after, _ = case

    assert after.points is not None
    assert before.payable - after.payable == after.points.amount
    assert not after.payable.is_negative()


@given(offered())
def test_points_used_never_exceed_the_available_or_the_caps(
    case: tuple[Quote, Quote, PointsOffer],
) -> None:
    before, after, offer = case
    policy = offer.policy

    assert after.points is not None
    used = after.points
    assert used.points <= offer.available
    if policy.max_amount is not None:
        assert used.amount <= policy.max_amount
    if policy.max_share is not None:
        assert used.amount <= before.payable.percentage(policy.max_share)


@given(st.data())
def test_the_earning_preview_matches_earning_on_the_payable_lines(data: st.DataObject) -> None:
    cart = data.draw(carts())
    policy = data.draw(earning_policies())

    priced = quote(cart, earning=policy, now=PRICING_EPOCH)

    assert priced.points_earned is not None
    assert sum(part.points for part in priced.points_earned.parts) == priced.points_earned.points


@given(carts(), st.integers(0, 100_000), st.data())
def test_points_covering_freight_take_exactly_their_money_off_the_amount_due(
    cart: Cart, available: int, data: st.DataObject
) -> None:
    setup = attrs.evolve(data.draw(shipping_setups(cart.currency)), default_template="A")
    policy = attrs.evolve(data.draw(redemption_policies(cart.currency)), covers_freight=True)
    offer = PointsOffer(policy=policy, available=available)
    where = {"shipping": setup, "destination": "110101", "now": PRICING_EPOCH}

    before = quote(cart, **where)  # type: ignore[arg-type]
    after = quote(cart, points=offer, **where)  # type: ignore[arg-type]

    assert after.points is not None
    assert before.amount_due() - after.amount_due() == after.points.amount
    assert not after.freight_due().is_negative()
    if after.outcome("points").status is Status.APPLIED:
        goods_part = sum(
            (share.amount for share in after.outcome("points").per_line),
            start=Money.zero(cart.currency),
        )
        freight_part = after.freight_points or Money.zero(cart.currency)
        assert goods_part + freight_part == after.points.amount
    assert after.payable == sum(
        (line.payable for line in after.lines), start=Money.zero(cart.currency)
    )


@given(offered())
def test_a_quote_with_points_round_trips_through_the_converter(
    case: tuple[Quote, Quote, PointsOffer],
) -> None:
    _, priced, offer = case

    assert converter.structure(converter.unstructure(priced), Quote) == priced
    assert converter.structure(converter.unstructure(offer), PointsOffer) == offer
