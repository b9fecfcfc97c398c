"""Member tier benefits in the quote (discount, free shipping, points), the birthday coupon."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import InvalidDocument, InvalidValue
from mallcore.loyalty import Benefits, EarningPolicy, Tier, TierProgram
from mallcore.money import Money
from mallcore.pricing import (
    AmountOffCoupon,
    Audience,
    Cart,
    CartLine,
    Customer,
    Stage,
    Status,
    UnitPrice,
    quote,
)
from mallcore.pricing.membership import birthday_coupon, tier_discount, tier_freight_benefit
from mallcore.quote_report import quote_main
from mallcore.rules import load_quote_document
from mallcore.shipping import (
    BenefitKind,
    ChargeBy,
    FreightBenefit,
    FreightTemplate,
    Rate,
    ShippingSetup,
    Topic,
)
from mallcore.testing.strategies import carts, earning_policies, tier_programs
from mallcore.testing.strategies._pricing import PRICING_EPOCH

NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


PROGRAM = TierProgram(
    tiers=[
        Tier(id="normal", threshold=0),
        Tier(
            id="gold",
            name="黄金会员",
            threshold=1000,
            benefits=Benefits(
                percent_off=5,
                free_shipping_threshold=cny(59),
                points_multiplier=2,
                birthday_coupon_id="birthday-20",
            ),
        ),
        Tier(id="diamond", threshold=5000, benefits=Benefits(free_shipping_threshold=cny(0))),
    ]
)
GOLD = Customer(id="han-mei", tier="gold", region="110101")
SETUP = ShippingSetup(
    templates=[
        FreightTemplate(
            id="A",
            charge_by=ChargeBy.PIECE,
            default=Rate(first=1, first_fee=cny(8), step=1, step_fee=cny(3)),
        )
    ],
    default_template="A",
)


def _cart(price: str = "40", quantity: int = 2) -> Cart:
    return Cart(
        currency="CNY",
        lines=[
            CartLine(
                line_id="1", sku_id="tea", product_id="tea", quantity=quantity,
                list_price=cny(price),
            )
        ],
    )  # fmt: skip


def test_the_tier_discount_is_a_unit_price_of_its_own_explained_like_any_rule() -> None:
    priced = quote(_cart(), customer=GOLD, tiers=PROGRAM, now=NOW)

    outcome = priced.outcome("tier:gold")
    assert (outcome.kind, outcome.stage, outcome.status) == (
        "unit_price",
        Stage.UNIT_PRICE,
        Status.APPLIED,
    )
    assert priced.lines[0].unit_prices() == (cny("38.00"), cny("38.00"))
    assert priced.payable == cny("76.00")


def test_a_tier_without_a_discount_adds_no_rule() -> None:
    priced = quote(_cart(), customer=Customer(id="li-lei", tier="normal"), tiers=PROGRAM, now=NOW)

    assert [o.rule_id for o in priced.outcomes] == []
    assert priced.payable == cny("80.00")


def test_a_skus_member_price_and_the_tier_discount_compete_for_each_unit() -> None:
    member_price = UnitPrice(
        id="gold-tea", price=cny("36.00"), audience=Audience(tiers=frozenset({"gold"}))
    )

    priced = quote(_cart(), promotions=[member_price], customer=GOLD, tiers=PROGRAM, now=NOW)

    assert priced.lines[0].unit_prices() == (cny("36.00"), cny("36.00"))
    assert priced.outcome("gold-tea").status is Status.APPLIED
    tier_outcome = priced.outcome("tier:gold")
    assert (tier_outcome.status, tier_outcome.detail) == (
        Status.NO_SAVING,
        "another unit price is lower",
    )


def test_a_customer_tier_the_program_does_not_have_is_refused_by_name() -> None:
    with pytest.raises(InvalidValue, match=r"customer\.tier.*\(normal, gold, diamond\).*platinum"):
        quote(_cart(), customer=Customer(id="x", tier="platinum"), tiers=PROGRAM, now=NOW)


def test_a_rule_may_not_take_the_tier_discounts_id() -> None:
    clash = UnitPrice(id="tier:gold", price=cny(1))

    with pytest.raises(InvalidValue, match="tier:gold"):
        quote(_cart(), promotions=[clash], customer=GOLD, tiers=PROGRAM, now=NOW)


def test_the_tiers_free_shipping_threshold_is_measured_on_the_goods_after_discounts() -> None:
    # 2 x 38.00 = 76.00 after the tier discount reaches the 59.00 threshold; 1 x 38.00 does not.
    over = quote(_cart(), customer=GOLD, tiers=PROGRAM, now=NOW, shipping=SETUP)
    under = quote(_cart(quantity=1), customer=GOLD, tiers=PROGRAM, now=NOW, shipping=SETUP)

    assert over.freight is not None
    assert over.freight.amount == cny(0)
    benefit_notes = [note for note in over.freight.notes if note.topic is Topic.BENEFIT]
    assert [(note.subject, note.amount) for note in benefit_notes] == [("tier:gold", -cny(11))]
    assert under.freight is not None
    assert under.freight.amount == cny(8)


def test_a_zero_free_shipping_threshold_waives_the_freight() -> None:
    diamond = Customer(id="lily", tier="diamond", region="110101")

    priced = quote(_cart(quantity=1), customer=diamond, tiers=PROGRAM, now=NOW, shipping=SETUP)

    assert priced.freight is not None
    assert priced.freight.amount == cny(0)


def test_the_shipping_set_ups_own_benefit_for_the_tier_wins_over_the_programs() -> None:
    half = FreightBenefit(id="gold-half", kind=BenefitKind.PERCENT_OFF, percent_off=50)
    setup = ShippingSetup(
        templates=SETUP.templates, default_template="A", tier_benefits={"gold": half}
    )

    priced = quote(_cart(), customer=GOLD, tiers=PROGRAM, now=NOW, shipping=setup)

    assert priced.freight is not None
    assert priced.freight.amount == cny("5.50")


def test_the_points_earned_are_multiplied_by_the_tiers_multiplier() -> None:
    plain = quote(_cart(), customer=GOLD, earning=EarningPolicy(), now=NOW)
    member = quote(_cart(), customer=GOLD, tiers=PROGRAM, earning=EarningPolicy(), now=NOW)

    assert plain.points_earned is not None
    assert member.points_earned is not None
    assert plain.points_earned.points == 80
    assert member.points_earned.points == 76 * 2


def test_the_customers_birthday_month_doubles_the_points_by_the_policy() -> None:
    policy = EarningPolicy(birthday_multiplier=2)
    born_in_november = Customer(id="li-lei", birthday=date(1990, 11, 3))

    priced = quote(_cart(), customer=born_in_november, earning=policy, now=NOW)

    assert priced.points_earned is not None
    assert priced.points_earned.points == 160


TEMPLATE = AmountOffCoupon(id="birthday-20", amount_off=cny(20), received_at=NOW, valid_days=30)


def test_the_birthday_coupon_is_issued_in_the_birthday_month_once_a_year() -> None:
    born_in_november = Customer(id="han-mei", tier="gold", birthday=date(1992, 11, 30))

    issued = birthday_coupon(TEMPLATE, program=PROGRAM, customer=born_in_november, now=NOW)

    assert issued == attrs.evolve(TEMPLATE, id="birthday-20:han-mei:2026", received_at=NOW)


@pytest.mark.parametrize(
    ("customer", "why"),
    [
        (Customer(id="a", tier="gold", birthday=date(1992, 12, 1)), "another month"),
        (Customer(id="b", tier="gold"), "no birthday known"),
        (Customer(id="c", tier="normal", birthday=date(1992, 11, 1)), "the tier grants none"),
        (Customer(id="d", birthday=date(1992, 11, 1)), "no tier"),
    ],
)
def test_no_birthday_coupon_is_due(customer: Customer, why: str) -> None:
    assert birthday_coupon(TEMPLATE, program=PROGRAM, customer=customer, now=NOW) is None, why


def test_the_birthday_month_is_the_one_in_the_coupons_time_zone() -> None:
    # 2026-10-31 17:00 UTC is already 1 November in Shanghai.
    born_in_november = Customer(id="han-mei", tier="gold", birthday=date(1992, 11, 30))
    late_october_utc = datetime(2026, 10, 31, 17, tzinfo=UTC)

    issued = birthday_coupon(
        TEMPLATE, program=PROGRAM, customer=born_in_november, now=late_october_utc
    )

    assert issued is not None


# laws -------------------------------------------------------------------------------


@st.composite
def members(draw: st.DrawFn) -> tuple[TierProgram, Customer]:
    program = draw(tier_programs("CNY"))
    tier = draw(st.sampled_from(program.tiers))
    return program, Customer(id="member", tier=tier.id, region="110101")


@given(carts("CNY"), members(), earning_policies())
def test_a_program_prices_exactly_like_its_benefits_given_as_rules(
    cart: Cart, member: tuple[TierProgram, Customer], earning: EarningPolicy
) -> None:
    program, customer = member
    tier = program.tier(str(customer.tier))
    discount = tier_discount(tier)
    benefit = tier_freight_benefit(tier)
    setup = ShippingSetup(
        templates=SETUP.templates,
        default_template="A",
        tier_benefits={tier.id: benefit} if benefit is not None else {},
    )

    by_program = quote(
        cart, customer=customer, tiers=program, shipping=SETUP, earning=earning, now=PRICING_EPOCH
    )
    by_rules = quote(
        cart,
        promotions=[discount] if discount is not None else [],
        customer=customer,
        shipping=setup,
        now=PRICING_EPOCH,
    )

    assert by_program.amount_due() == by_rules.amount_due()
    assert by_program.outcomes == by_rules.outcomes


@given(carts("CNY"), members(), earning_policies())
def test_the_tiers_multiplier_never_lowers_the_points_earned(
    cart: Cart, member: tuple[TierProgram, Customer], earning: EarningPolicy
) -> None:
    program, customer = member
    no_discount = TierProgram(
        tiers=[
            Tier(
                id=tier.id,
                threshold=tier.threshold,
                benefits=Benefits(points_multiplier=tier.benefits.points_multiplier),
            )
            for tier in program.tiers
        ]
    )

    plain = quote(cart, customer=customer, earning=earning, now=PRICING_EPOCH)
    member_quote = quote(
        cart, customer=customer, tiers=no_discount, earning=earning, now=PRICING_EPOCH
    )

    assert plain.points_earned is not None
    assert member_quote.points_earned is not None
    assert member_quote.points_earned.points >= plain.points_earned.points


# rule files -------------------------------------------------------------------------

SAMPLE = Path(__file__).parent / "data" / "membership.json"


def test_mallcore_quote_shows_the_tiers_benefits_and_the_points_on_the_freight() -> None:
    out = io.StringIO()

    status = quote_main(str(SAMPLE), out=out)

    text = out.getvalue()
    assert status == 0
    assert "tier:gold                unit_price             applied          -3.40" in text
    assert "benefit         tier:gold            goods 103.60 short of 199.00" in text
    assert "Freight paid by points: -0.48" in text
    assert "Points earned:          396  (base 99, birthday 198, tier 99)" in text


def test_a_rule_file_naming_a_tier_its_programme_lacks_is_refused_by_path() -> None:
    document = json.loads(SAMPLE.read_text())
    document["customer"]["tier"] = "platinum"

    with pytest.raises(InvalidDocument, match=r"\$\.customer\.tier: 'platinum' is not a tier"):
        load_quote_document(json.dumps(document)).price()
