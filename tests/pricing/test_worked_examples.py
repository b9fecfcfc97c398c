"""Worked examples from real systems' docs, tests and bug reports, each with its source."""

from __future__ import annotations

from datetime import UTC, datetime

from mallcore.money import Money
from mallcore.pricing import AmountOffCoupon, Cart, CartLine, PercentOffCoupon, quote

NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)


def _line(line_id: str, price: str, quantity: int = 1, currency: str = "USD") -> CartLine:
    return CartLine(
        line_id=line_id,
        sku_id=line_id,
        product_id=line_id,
        quantity=quantity,
        list_price=Money(price, currency),
    )


def test_a_five_dollar_voucher_on_4_and_45_leaves_3_59_and_40_41() -> None:
    # Saleor docs, "Discounts": order voucher apportioned over the lines
    cart = Cart(currency="USD", lines=[_line("a", "4.00"), _line("b", "45.00")])
    voucher = AmountOffCoupon(id="five-off", amount_off=Money("5.00", "USD"))

    priced = quote(cart, coupons=[voucher], now=NOW)

    assert [line.payable for line in priced.lines] == [Money("3.59", "USD"), Money("40.41", "USD")]


def test_a_four_pound_discount_on_three_units_of_two_is_1_33_1_33_1_34() -> None:
    # django-oscar tests: line discounts per unit, the leftover on the last unit
    cart = Cart(currency="GBP", lines=[_line("a", "2.00", quantity=3, currency="GBP")])
    voucher = AmountOffCoupon(id="four-off", amount_off=Money("4.00", "GBP"))

    priced = quote(cart, coupons=[voucher], now=NOW)

    line = priced.lines[0]
    discounts = [
        price - paid for price, paid in zip(line.unit_prices(), line.unit_payables(), strict=True)
    ]
    assert discounts == [Money("1.33", "GBP"), Money("1.33", "GBP"), Money("1.34", "GBP")]


def test_299_minor_units_over_weights_4300_1400_2300_are_161_52_86() -> None:
    # Vendure tests: largest remainder apportioning of an order discount
    cart = Cart(
        currency="USD",
        lines=[_line("a", "43.00"), _line("b", "14.00"), _line("c", "23.00")],
    )
    voucher = AmountOffCoupon(id="off", amount_off=Money("2.99", "USD"))

    priced = quote(cart, coupons=[voucher], now=NOW)

    shares = [share.amount.minor_units for share in priced.outcome("off").per_line]
    assert shares == [161, 52, 86]


def test_299_minor_units_over_three_equal_lines_are_100_100_99() -> None:
    # Vendure tests: ties go to the earlier line
    cart = Cart(currency="USD", lines=[_line(name, "10.00") for name in "abc"])
    voucher = AmountOffCoupon(id="off", amount_off=Money("2.99", "USD"))

    priced = quote(cart, coupons=[voucher], now=NOW)

    shares = [share.amount.minor_units for share in priced.outcome("off").per_line]
    assert shares == [100, 100, 99]


def test_a_ten_yuan_coupon_on_three_ten_yuan_lines_is_apportioned_to_exactly_ten() -> None:
    # macrozheng/mall issue #356: per-line rounding gave 9.99 in total
    cart = Cart(currency="CNY", lines=[_line(name, "10.00", currency="CNY") for name in "abc"])
    coupon = AmountOffCoupon(id="ten-off", amount_off=Money("10.00", "CNY"))

    priced = quote(cart, coupons=[coupon], now=NOW)

    shares = [share.amount for share in priced.outcome("ten-off").per_line]
    assert sum(shares, start=Money.zero("CNY")) == Money("10.00", "CNY")
    assert priced.payable == Money("20.00", "CNY")


def test_19_99_at_25_percent_off_half_up_is_14_99() -> None:
    # Saleor issue #12040
    cart = Cart(currency="USD", lines=[_line("a", "19.99")])
    coupon = PercentOffCoupon(id="quarter-off", percent_off=25)

    priced = quote(cart, coupons=[coupon], now=NOW)

    assert priced.payable == Money("14.99", "USD")
