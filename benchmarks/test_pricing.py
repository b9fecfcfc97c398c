"""Pricing benchmarks: the quote against a hand-written computation, and the coupon search.

Run with ``.venv/bin/python -m pytest benchmarks/test_pricing.py --benchmark-only -q``;
``.venv/bin/python benchmarks/test_pricing.py`` times the quote and the hand-written
computation in alternating blocks (:func:`interleaved`).
"""

from __future__ import annotations

import statistics
import timeit
from datetime import UTC, datetime

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from mallcore.money import Money, allocate_minor
from mallcore.pricing import (
    AmountOffCoupon,
    Cart,
    CartLine,
    CheapestFree,
    Coupon,
    NthUnitPercentOff,
    PercentOffCoupon,
    Promotion,
    QuantityPercentOff,
    Quote,
    RepeatingAmountOff,
    Scope,
    Tier,
    TieredAmountOff,
    TieredPercentOff,
    UnitPrice,
    quote,
)

NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


def make_cart(size: int) -> Cart:
    return Cart(
        currency="CNY",
        lines=[
            CartLine(
                line_id=f"line-{n}",
                sku_id=f"sku-{n}",
                product_id=f"p-{n % 7}",
                quantity=1 + n % 3,
                list_price=Money.from_minor(1990 + 733 * n, "CNY"),
                category_ids=frozenset({("tea", "food", "drinks")[n % 3], "all"}),
                shop=("shop-a", "shop-b", None)[n % 3],
            )
            for n in range(size)
        ],
    )


def make_promotions(count: int) -> list[Promotion]:
    """``count`` promotions of mixed kinds, cycling through nine."""
    kinds: list[Promotion] = []
    for n in range(count):
        rule_id = f"promo-{n}"
        kind = n % 9
        if kind == 0:
            kinds.append(UnitPrice(id=rule_id, price=cny(15), scope=Scope(skus={"sku-0"})))
        elif kind == 1:
            kinds.append(
                QuantityPercentOff(
                    id=rule_id, min_quantity=3, percent_off=10, scope=Scope(categories={"tea"})
                )
            )
        elif kind == 2:
            kinds.append(
                NthUnitPercentOff(id=rule_id, percent_off=50, scope=Scope(categories={"food"}))
            )
        elif kind == 3:
            kinds.append(CheapestFree(id=rule_id, buy=3, scope=Scope(categories={"drinks"})))
        elif kind == 4:
            kinds.append(
                TieredAmountOff(
                    id=rule_id, tiers=[Tier(cny(100), cny(10)), Tier(cny(200), cny(30))]
                )
            )
        elif kind == 5:
            kinds.append(
                RepeatingAmountOff(
                    id=rule_id,
                    every=cny(300),
                    amount_off=cny(20),
                    cap=cny(100),
                    scope=Scope(categories={"tea"}),
                )
            )
        elif kind == 6:
            kinds.append(
                TieredPercentOff(
                    id=rule_id,
                    tiers=[Tier(cny(500), percent_off=5)],
                    scope=Scope(categories={"food"}),
                )
            )
        elif kind == 7:
            kinds.append(UnitPrice(id=rule_id, percent_off=5, scope=Scope(products={"p-3"})))
        else:
            kinds.append(
                TieredAmountOff(
                    id=rule_id, tiers=[Tier(cny(10000), cny(500))], scope=Scope(shop="shop-a")
                )
            )
    return kinds


def make_wallet(size: int) -> list[Coupon]:
    wallet: list[Coupon] = []
    for n in range(size):
        common = {
            "id": f"coupon-{n:02}",
            "shop": ("shop-a", "shop-b", None)[n % 3],
            "min_spend": cny(50 * (n % 6)) if n % 6 else None,
        }
        if n % 2:
            wallet.append(AmountOffCoupon(amount_off=cny(5 + n), **common))  # type: ignore[arg-type]
        else:
            wallet.append(
                PercentOffCoupon(percent_off=5 + n % 10, max_discount=cny(40), **common)  # type: ignore[arg-type]
            )
    return wallet


def hand_written(cart: Cart, *, explained: bool = False) -> Money:
    """The same cart and rules as ``make_promotions(9)`` plus one coupon, written straight.

    ``explained`` also keeps what a quote must hand on: every rule's share of
    every line as Money (for refunds), not just the payable.
    """
    lines = cart.lines
    left = [line.price.minor_units * line.quantity for line in lines]
    for index, line in enumerate(lines):
        if line.sku_id == "sku-0":
            left[index] = 1500 * line.quantity
        elif line.product_id == "p-3":
            unit = line.price.minor_units
            left[index] = (unit - (unit * 5 + 50) // 100) * line.quantity
    tea = [i for i, line in enumerate(lines) if "tea" in line.category_ids]
    food = [i for i, line in enumerate(lines) if "food" in line.category_ids]
    drinks = [i for i, line in enumerate(lines) if "drinks" in line.category_ids]
    if sum(lines[i].quantity for i in tea) >= 3:
        for i in tea:
            left[i] -= (left[i] * 10 + 50) // 100
    for i in food:
        pairs = lines[i].quantity // 2
        unit = left[i] // lines[i].quantity
        left[i] -= (unit * pairs * 50 + 50) // 100
    units = sorted(
        (left[i] // lines[i].quantity, i) for i in drinks for _ in range(lines[i].quantity)
    )
    for price, i in units[: len(units) // 3]:
        left[i] -= price
    everything = list(range(len(lines)))

    def spread(off: int, indexes: list[int]) -> None:
        weights = [left[i] for i in indexes]
        for i, share in zip(indexes, allocate_minor(off, weights), strict=True):
            left[i] -= share

    total = sum(left)
    spread(3000 if total >= 20000 else 1000 if total >= 10000 else 0, everything)
    tea_total = sum(left[i] for i in tea)
    spread(min(10000, tea_total // 30000 * 2000), tea)
    if sum(left[i] for i in food) >= 50000:
        for i in food:
            left[i] -= (left[i] * 5 + 50) // 100
    spread(min(1500, sum(left)), everything)
    if explained:
        before = [line.price.minor_units * line.quantity for line in lines]
        shares = [
            [Money.from_minor(before[i] - left[i] - n, "CNY") for n in range(3)]
            for i in range(len(lines))
        ]
        del shares
    payables = [Money.from_minor(amount, "CNY") for amount in left]
    return sum(payables, start=Money.zero("CNY"))


CART_20 = make_cart(20)
PROMOTIONS_9 = make_promotions(9)
ONE_COUPON: list[Coupon] = [AmountOffCoupon(id="fifteen", amount_off=cny(15))]


def test_baseline_hand_written_computation(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "quote 20 lines, 9 promotions, 1 coupon"
    benchmark(hand_written, CART_20)


def test_baseline_hand_written_with_shares_as_money(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "quote 20 lines, 9 promotions, 1 coupon"
    benchmark(hand_written, CART_20, explained=True)


def test_quote_20_lines_9_promotions_1_coupon_cold_money_cache(
    benchmark: BenchmarkFixture,
) -> None:
    from mallcore.pricing._pipeline import as_money, as_moneys

    def clear_money_caches() -> None:
        as_money.cache_clear()
        as_moneys.cache_clear()

    benchmark.group = "quote 20 lines, 9 promotions, 1 coupon"
    benchmark.pedantic(  # type: ignore[no-untyped-call]
        quote,
        args=(CART_20,),
        kwargs={"promotions": PROMOTIONS_9, "coupons": ONE_COUPON, "now": NOW},
        setup=clear_money_caches,
        rounds=200,
    )


def test_quote_20_lines_9_promotions_1_coupon(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "quote 20 lines, 9 promotions, 1 coupon"
    priced = benchmark(quote, CART_20, promotions=PROMOTIONS_9, coupons=ONE_COUPON, now=NOW)
    assert priced.payable == hand_written(CART_20)


def test_quote_20_lines_9_promotions_1_coupon_every_detail_read(
    benchmark: BenchmarkFixture,
) -> None:
    def quote_and_read_it() -> Quote:
        priced = quote(CART_20, promotions=PROMOTIONS_9, coupons=ONE_COUPON, now=NOW)
        # a quote builds its lines, outcomes and alternatives when first read: read them all
        assert len(priced.lines) + len(priced.outcomes) + len(priced.alternatives) == 32
        return priced

    benchmark.group = "quote 20 lines, 9 promotions, 1 coupon"
    benchmark(quote_and_read_it)


@pytest.mark.parametrize("lines", [5, 10, 20, 40, 80])
def test_quote_time_by_lines(benchmark: BenchmarkFixture, lines: int) -> None:
    benchmark.group = "quote by lines (9 promotions)"
    benchmark(quote, make_cart(lines), promotions=PROMOTIONS_9, coupons=ONE_COUPON, now=NOW)


@pytest.mark.parametrize("rules", [0, 9, 18, 36, 72])
def test_quote_time_by_rules(benchmark: BenchmarkFixture, rules: int) -> None:
    benchmark.group = "quote by rules (20 lines)"
    benchmark(quote, CART_20, promotions=make_promotions(rules), now=NOW)


@pytest.mark.parametrize("size", [5, 10, 15, 20, 30])
def test_best_coupons_search(benchmark: BenchmarkFixture, size: int) -> None:
    benchmark.group = f"best of {size} coupons"
    wallet = make_wallet(size)
    benchmark(quote, CART_20, promotions=PROMOTIONS_9, coupons=wallet, now=NOW)


@pytest.mark.parametrize("size", [5, 10, 15])
def test_best_coupons_brute_force(benchmark: BenchmarkFixture, size: int) -> None:
    benchmark.group = f"best of {size} coupons"
    wallet = make_wallet(size)
    searched = quote(CART_20, promotions=PROMOTIONS_9, coupons=wallet, now=NOW)
    exhaustive = benchmark.pedantic(  # type: ignore[no-untyped-call]
        quote,
        args=(CART_20,),
        kwargs={"promotions": PROMOTIONS_9, "coupons": wallet, "now": NOW, "exhaustive": True},
        rounds=3 if size >= 15 else 20,
    )
    assert exhaustive.coupon_ids == searched.coupon_ids


def interleaved(blocks: int = 31, calls: int = 200) -> tuple[float, float]:
    """Median µs per call of the hand-written computation and of the quote, timed in turns.

    pytest-benchmark times one after the other; on a machine whose speed drifts for
    seconds at a time (other virtual machines on the host) a slow spell can fall on one
    side only. Alternating blocks of ``calls`` calls, garbage collection on as in the
    benchmarks, puts both under the same conditions.
    """
    gc_on = "import gc; gc.enable()"
    hand = timeit.Timer(lambda: hand_written(CART_20), gc_on)
    priced = timeit.Timer(
        lambda: quote(CART_20, promotions=PROMOTIONS_9, coupons=ONE_COUPON, now=NOW), gc_on
    )
    hand_times, quote_times = [], []
    for _ in range(blocks):
        hand_times.append(hand.timeit(calls) / calls * 1e6)
        quote_times.append(priced.timeit(calls) / calls * 1e6)
    return statistics.median(hand_times), statistics.median(quote_times)


if __name__ == "__main__":
    hand_median, quote_median = interleaved()
    print(
        f"hand-written {hand_median:.1f} µs, quote {quote_median:.1f} µs, "
        f"ratio {quote_median / hand_median:.2f}"
    )
