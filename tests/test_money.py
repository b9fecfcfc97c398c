"""Money: exact amounts, named rounding, allocation that never loses a minor unit."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import CurrencyMismatch, InvalidValue, LimitExceeded, WrongType
from mallcore.money import Money, Rounding, allocate_minor, currency_exponent, total
from mallcore.testing.strategies import amounts, currencies

weights = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12).filter(any)


# construction -------------------------------------------------------------


@pytest.mark.parametrize(("currency", "places"), [("CNY", 2), ("JPY", 0), ("BHD", 3)])
def test_each_currency_has_its_own_minor_units(currency: str, places: int) -> None:
    assert currency_exponent(currency) == places


def test_an_amount_is_normalised_to_the_currencys_places() -> None:
    assert Money("1.5", "CNY").amount == Decimal("1.50")
    assert str(Money("1.5", "CNY").amount) == "1.50"


def test_an_amount_finer_than_the_minor_unit_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InvalidValue) as raised:
        Money("1.234", "CNY")

    assert str(raised.value) == (
        "Money.amount: must be a whole number of CNY minor units (2 decimal places) "
        "(got Decimal('1.234'))"
    )


def test_yen_has_no_minor_unit() -> None:
    with pytest.raises(InvalidValue):
        Money("100.5", "JPY")


def test_a_float_is_refused() -> None:
    with pytest.raises(TypeError, match="float"):
        Money(0.1, "CNY")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["cny", "XYZ", "YUAN", ""])
def test_an_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(InvalidValue, match="currency"):
        Money(1, code)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "twelve"])
def test_a_non_number_is_refused(amount: str) -> None:
    with pytest.raises(InvalidValue, match=r"Money\.amount"):
        Money(amount, "CNY")


@given(currencies(), st.integers(min_value=-(10**15), max_value=10**15))
def test_minor_units_round_trip(currency: str, minor: int) -> None:
    assert Money.from_minor(minor, currency).minor_units == minor


def test_zero_from_minor_units_prints_like_any_other_amount() -> None:
    assert repr(Money.from_minor(0, "CNY")) == "Money('0.00', 'CNY')"


# arithmetic ---------------------------------------------------------------


@given(amounts("CNY"), amounts("CNY"), amounts("CNY"))
def test_addition_is_associative_and_commutative(a: Money, b: Money, c: Money) -> None:
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a


@given(amounts())
def test_an_amount_minus_itself_is_zero(a: Money) -> None:
    assert (a - a).is_zero()
    assert a + (-a) == Money.zero(a.currency)


@given(amounts(), st.integers(min_value=0, max_value=1000))
def test_multiplying_by_a_quantity_is_repeated_addition(a: Money, quantity: int) -> None:
    assert a * quantity == total([a] * quantity, a.currency)
    assert quantity * a == a * quantity


def test_mixing_currencies_raises_a_clear_error() -> None:
    with pytest.raises(CurrencyMismatch, match="cannot add CNY and USD amounts"):
        Money(1, "CNY") + Money(1, "USD")
    with pytest.raises(CurrencyMismatch):
        assert Money(1, "CNY") < Money(2, "USD")


def test_multiplying_by_a_rate_needs_an_explicit_rounding() -> None:
    with pytest.raises(TypeError, match="multiply"):
        Money(1, "CNY") * Decimal("0.5")  # type: ignore[operator]


def test_comparison_orders_amounts_of_one_currency() -> None:
    assert Money("9.99", "CNY") < Money("10.00", "CNY") <= Money(10, "CNY")
    assert max(Money(3, "JPY"), Money(7, "JPY")) == Money(7, "JPY")


# rounding -----------------------------------------------------------------


def test_a_quarter_off_19_99_half_up_leaves_14_99() -> None:
    """Saleor #12040: 25% off 19.99 must leave 14.99."""
    price = Money("19.99", "USD")

    assert price - price.percentage(25) == Money("14.99", "USD")


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        (Rounding.HALF_UP, "0.03"),
        (Rounding.HALF_EVEN, "0.02"),
        (Rounding.DOWN, "0.02"),
        (Rounding.UP, "0.03"),
    ],
)
def test_each_rounding_mode_resolves_an_exact_half(rounding: Rounding, expected: str) -> None:
    assert Money("0.05", "CNY").multiply("0.5", rounding=rounding) == Money(expected, "CNY")


@given(amounts("CNY"), st.fractions(min_value=0, max_value=10))
def test_rounding_modes_bracket_the_exact_product(a: Money, factor: Fraction) -> None:
    exact = Fraction(a.minor_units) * factor
    down = a.multiply(factor, rounding=Rounding.DOWN).minor_units
    up = a.multiply(factor, rounding=Rounding.UP).minor_units
    half = a.multiply(factor).minor_units

    assert abs(exact - down) < 1
    assert abs(up - exact) < 1
    assert min(down, up) <= half <= max(down, up)
    assert abs(half - exact) <= Fraction(1, 2)


def test_mo_ling_truncates_to_the_jiao_or_the_yuan() -> None:
    assert Money("12.37", "CNY").round_to(Money("0.10", "CNY")) == Money("12.30", "CNY")
    assert Money("12.37", "CNY").round_to(Money(1, "CNY")) == Money("12.00", "CNY")


@given(amounts("CNY", min_value=0), st.sampled_from(["0.01", "0.10", "0.50", "1.00"]))
def test_truncation_never_charges_more_and_lands_on_the_increment(a: Money, step: str) -> None:
    increment = Money(step, "CNY")

    rounded = a.round_to(increment)

    assert rounded <= a
    assert rounded.minor_units % increment.minor_units == 0
    assert a - rounded < increment


# allocation ---------------------------------------------------------------


@given(amounts(min_value=0, max_value=1_000_000), weights)
def test_allocated_parts_add_up_exactly_and_are_never_negative(
    amount: Money, shares: list[int]
) -> None:
    parts = amount.allocate(shares)

    assert total(parts, amount.currency) == amount
    assert all(not part.is_negative() for part in parts)


@given(amounts(min_value=0, max_value=1_000_000), weights)
def test_each_allocated_part_is_within_one_minor_unit_of_its_exact_share(
    amount: Money, shares: list[int]
) -> None:
    parts = amount.allocate(shares)

    for part, share in zip(parts, shares, strict=True):
        exact = Fraction(amount.minor_units * share, sum(shares))
        assert abs(part.minor_units - exact) < 1


@given(amounts(max_value=0, min_value=-1_000_000), weights)
def test_a_negative_amount_allocates_as_the_mirror_of_its_magnitude(
    amount: Money, shares: list[int]
) -> None:
    assert amount.allocate(shares) == tuple(-part for part in (-amount).allocate(shares))


@given(st.integers(min_value=0, max_value=10**9), weights)
def test_a_zero_weight_gets_nothing(amount: int, shares: list[int]) -> None:
    parts = allocate_minor(amount, shares)

    assert all(part == 0 for part, share in zip(parts, shares, strict=True) if share == 0)


def test_largest_remainder_matches_vendures_examples() -> None:
    """Vendure's tests: 299 over 4300/1400/2300, and over three equal weights."""
    assert allocate_minor(299, [4300, 1400, 2300]) == [161, 52, 86]
    assert allocate_minor(299, [1, 1, 1]) == [100, 100, 99]


def test_a_five_dollar_voucher_on_4_and_45_dollars_leaves_3_59_and_40_41() -> None:
    """Saleor's docs: a $5 order voucher over lines of $4 and $45."""
    lines = [Money(4, "USD"), Money(45, "USD")]

    shares = Money(5, "USD").allocate(lines)

    assert [line - share for line, share in zip(lines, shares, strict=True)] == [
        Money("3.59", "USD"),
        Money("40.41", "USD"),
    ]


def test_a_ten_yuan_coupon_over_three_ten_yuan_lines_adds_up_to_ten() -> None:
    """macrozheng/mall #356 apportioned this as 3.33 x 3 = 9.99."""
    shares = Money(10, "CNY").allocate([Money(10, "CNY")] * 3)

    assert total(shares, "CNY") == Money(10, "CNY")
    assert shares == (Money("3.34", "CNY"), Money("3.33", "CNY"), Money("3.33", "CNY"))


def test_allocation_accepts_decimal_weights() -> None:
    assert Money(1, "CNY").allocate([Decimal("0.5"), Decimal("1.5")]) == (
        Money("0.25", "CNY"),
        Money("0.75", "CNY"),
    )


@pytest.mark.parametrize("shares", [[], [0, 0], [1, -1]])
def test_allocation_over_bad_weights_is_refused(shares: list[int]) -> None:
    with pytest.raises(InvalidValue, match="weights"):
        Money(1, "CNY").allocate(shares)


def test_four_pounds_over_three_units_puts_the_odd_penny_on_the_last_unit() -> None:
    """django-oscar's tests: 3 x 2.00 with a 4.00 discount gives 1.33, 1.33, 1.34."""
    assert Money("4.00", "GBP").split(3) == (
        Money("1.33", "GBP"),
        Money("1.33", "GBP"),
        Money("1.34", "GBP"),
    )


@given(amounts(min_value=-100_000, max_value=100_000), st.integers(min_value=1, max_value=50))
def test_split_parts_add_up_and_differ_by_at_most_one_minor_unit(a: Money, parts: int) -> None:
    shares = a.split(parts)

    minors = [share.minor_units for share in shares]
    assert total(shares, a.currency) == a
    assert max(minors) - min(minors) <= 1
    assert [abs(m) for m in minors] == sorted(abs(m) for m in minors)


# display ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "locale", "shown"),
    [
        (Money("1234.5", "CNY"), "zh_CN", "¥1,234.50"),
        (Money("1234.5", "USD"), "en_US", "$1,234.50"),
        (Money(1234, "JPY"), "ja_JP", "￥1,234"),
        (Money("1.234", "BHD"), "en_US", "BHD1.234"),
    ],
)
def test_amounts_are_formatted_for_the_shoppers_locale(
    money: Money, locale: str, shown: str
) -> None:
    assert money.format(locale).replace("\xa0", " ") == shown


def test_repr_can_be_pasted_back() -> None:
    assert repr(Money("12.3", "CNY")) == "Money('12.30', 'CNY')"
    assert str(Money("12.3", "CNY")) == "12.30 CNY"


@pytest.mark.parametrize(
    ("operation", "refusal"),
    [
        (lambda: Money("1.00", "CNY").multiply("1/0"), InvalidValue),
        (lambda: Money("1.00", "CNY").multiply("1e999999999"), InvalidValue),
        (lambda: Money("1.00", "CNY").multiply(Fraction(10**1000, 3)), InvalidValue),
        (lambda: Money("1.00", "CNY").multiply(0.5), WrongType),  # type: ignore[arg-type]
        (lambda: Money("1.00", "CNY").multiply("0.5", rounding="up"), WrongType),  # type: ignore[arg-type]
        (lambda: Money("1.00", "CNY").percentage(Decimal("-Infinity")), InvalidValue),
        (lambda: Money("1.00", "CNY").percentage(Decimal("NaN")), InvalidValue),
        (lambda: Money("1.00", "CNY").format("💥"), InvalidValue),
        (lambda: Money("1.00", "CNY").format(5), WrongType),  # type: ignore[arg-type]
        (lambda: Money("1.00", "CNY").split(2**31), LimitExceeded),
        (lambda: Money("1.00", "CNY").split(2.0), WrongType),  # type: ignore[arg-type]
        (lambda: Money("1.00", "CNY").allocate([1] * 10_001), LimitExceeded),
        (lambda: Money("1.00", "CNY").allocate(5), WrongType),  # type: ignore[arg-type]
        (lambda: Money("1.00", "CNY").round_to("0.10"), WrongType),  # type: ignore[arg-type]
        (lambda: Money("1.00", ["CNY"]), WrongType),  # type: ignore[arg-type]
        (lambda: Money.from_minor(1.5, "CNY"), WrongType),  # type: ignore[arg-type]
        (lambda: Money("1E+999999", "CNY"), InvalidValue),
    ],
)
def test_a_hostile_operand_is_refused_by_name(
    operation: Callable[[], object], refusal: type[InvalidValue]
) -> None:
    with pytest.raises(refusal):
        operation()
