"""Strategies for currencies and Money."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from mallcore.money import Money, currency_exponent

__all__ = ["amounts", "currencies"]

_CURRENCIES = ("CNY", "USD", "JPY", "BHD", "EUR", "KRW", "KWD", "GBP", "TWD", "HKD")
"""A spread of minor-unit exponents: 0 (JPY, KRW), 2 (CNY, USD ...), 3 (BHD, KWD)."""

_BOUND = Decimal(10) ** 12


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes covering every minor-unit exponent (0, 2 and 3 decimal places)."""
    return st.sampled_from(_CURRENCIES)


def amounts(
    currency: str | None = None,
    *,
    min_value: Decimal | int | str = -_BOUND,
    max_value: Decimal | int | str = _BOUND,
) -> st.SearchStrategy[Money]:
    """Money between ``min_value`` and ``max_value`` (in major units, inclusive).

    With no ``currency``, the currency is drawn from :func:`currencies`.
    """
    low, high = Decimal(min_value), Decimal(max_value)
    if low > high:
        raise ValueError(f"min_value={min_value!r} is greater than max_value={max_value!r}")

    def in_currency(code: str) -> st.SearchStrategy[Money]:
        scale = Decimal(10) ** currency_exponent(code)
        low_minor = int((low * scale).to_integral_value(rounding="ROUND_CEILING"))
        high_minor = int((high * scale).to_integral_value(rounding="ROUND_FLOOR"))
        return st.integers(low_minor, high_minor).map(lambda n: Money.from_minor(n, code))

    codes = st.just(currency) if currency is not None else currencies()
    return codes.flatmap(in_currency)
