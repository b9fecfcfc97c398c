"""Strategies for pricing: carts, customers, promotions and coupon wallets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import attrs
from hypothesis import strategies as st

from mallcore.money import Money, Rounding, currency_exponent
from mallcore.pricing import (
    AmountOffCoupon,
    Cart,
    CartLine,
    CheapestFree,
    Coupon,
    Customer,
    FlashSale,
    Gift,
    NthUnitPercentOff,
    PercentOffCoupon,
    Promotion,
    QuantityPercentOff,
    RepeatingAmountOff,
    Scope,
    Stacking,
    Tier,
    TieredAmountOff,
    TieredPercentOff,
    UnitPrice,
    Window,
)
from mallcore.rules import CartItem, CatalogEntry, CustomerDocument, QuoteDocument

__all__ = [
    "PRICING_EPOCH",
    "cart_lines",
    "carts",
    "coupons",
    "customers",
    "promotions",
    "quote_documents",
    "wallets",
]

PRICING_EPOCH = datetime(2026, 11, 11, 12, tzinfo=UTC)
"""The moment the strategies' rules are built around: quote at it to see them live."""

_CATEGORIES = ("food", "tea", "drinks", "clothes", "shoes")
_SHOPS = (None, "shop-a", "shop-b")


@cache  # a strategy is immutable: build it once, not on every draw
def _money(currency: str, low: int, high: int) -> st.SearchStrategy[Money]:
    """Money between ``low`` and ``high`` major units, in whole minor units."""
    scale = 10 ** currency_exponent(currency)
    return st.integers(low * scale, high * scale).map(lambda n: Money.from_minor(n, currency))


@cache
def _percents() -> st.SearchStrategy[Decimal]:
    return st.integers(1, 99).map(Decimal) | st.sampled_from([Decimal("12.5"), Decimal("100")])


@st.composite
def cart_lines(draw: st.DrawFn, currency: str = "CNY", *, line_id: str = "line-1") -> CartLine:
    """One cart line in ``currency``: 1 to 5 units up to 500 major units each (free ones too)."""
    list_price = draw(_money(currency, 0, 500))
    sale = draw(st.none() | st.integers(0, 2 * list_price.minor_units))
    return CartLine(
        line_id=line_id,
        sku_id=draw(st.sampled_from(["sku-1", "sku-2", "sku-3", "sku-4"])),
        product_id=draw(st.sampled_from(["p-1", "p-2", "p-3"])),
        quantity=draw(st.integers(1, 5)),
        list_price=list_price,
        sale_price=None if sale is None else Money.from_minor(sale, currency),
        category_ids=draw(st.frozensets(st.sampled_from(_CATEGORIES), max_size=2)),
        shop=draw(st.sampled_from(_SHOPS)),
        on_promotion=draw(st.booleans()),
    )


@st.composite
def carts(
    draw: st.DrawFn, currency: str | None = None, *, min_size: int = 1, max_size: int = 6
) -> Cart:
    """Carts of ``min_size`` to ``max_size`` lines (currency drawn if not given)."""
    code = currency or draw(st.sampled_from(["CNY", "USD", "JPY", "BHD"]))
    size = draw(st.integers(min_size, max_size))
    lines = [draw(cart_lines(code, line_id=f"line-{index}")) for index in range(size)]
    return Cart(currency=code, lines=lines, group_buy=draw(st.booleans()))


def customers() -> st.SearchStrategy[Customer]:
    """Customers of any tier, new or not, with small usage counts."""
    return st.builds(
        Customer,
        id=st.just("customer-1"),
        tier=st.sampled_from([None, "silver", "gold"]),
        is_new=st.booleans(),
        region=st.sampled_from([None, "310000", "440000"]),
        usage=st.dictionaries(
            st.sampled_from(["promo-0", "promo-0:units", "coupon-0"]), st.integers(0, 2)
        ),
    )


@cache
def _scopes() -> st.SearchStrategy[Scope]:
    return st.builds(
        Scope,
        categories=st.frozensets(st.sampled_from(_CATEGORIES), max_size=2),
        skus=st.frozensets(st.sampled_from(["sku-1", "sku-2"]), max_size=1),
        excluded_skus=st.frozensets(st.sampled_from(["sku-3"]), max_size=1),
    )


@cache
def _stackings(*, coupons: bool = False) -> st.SearchStrategy[Stacking]:
    kinds = ["tiered_amount_off", "amount_off_coupon", "percent_off_coupon", "g1"]
    return st.builds(
        Stacking,
        exclusive=st.booleans() if not coupons else st.just(False) | st.booleans(),
        combines_with=st.none() | st.frozensets(st.sampled_from(kinds)),
        group=st.sampled_from([None, None, "g1", "g2"]),
        on_promoted_items=st.booleans(),
    )


@cache
def _windows() -> st.SearchStrategy[Window]:
    hour = timedelta(hours=1)
    return st.sampled_from(
        [
            Window(),
            Window(starts_at=PRICING_EPOCH - hour, ends_at=PRICING_EPOCH + hour),
            Window(starts_at=PRICING_EPOCH + hour),
            Window(ends_at=PRICING_EPOCH - hour),
        ]
    )


@st.composite
def promotions(draw: st.DrawFn, currency: str = "CNY", *, rule_id: str = "promo-0") -> Promotion:
    """An automatic promotion of any kind in ``currency`` (mostly live at PRICING_EPOCH)."""
    common: dict[str, Any] = {
        "id": rule_id,
        "priority": draw(st.integers(0, 3)),
        "scope": draw(st.just(Scope()) | _scopes()),
        "stacking": draw(st.just(Stacking()) | _stackings()),
        "window": draw(st.just(Window()) | _windows()),
    }
    kind = draw(st.integers(0, 8))
    if kind == 0:
        tiers = sorted(
            draw(st.lists(_money(currency, 1, 1000), min_size=1, max_size=3, unique=True)),
            key=lambda money: money.minor_units,
        )
        offs = [draw(_money(currency, 1, 100)) for _ in tiers]
        steps = [Tier(t, o) for t, o in zip(tiers, offs, strict=True)]
        return TieredAmountOff(tiers=steps, **common)
    if kind == 1:
        return RepeatingAmountOff(
            every=draw(_money(currency, 1, 300)),
            amount_off=draw(_money(currency, 1, 50)),
            cap=draw(st.none() | _money(currency, 1, 200)),
            **common,
        )
    if kind == 2:
        threshold = draw(_money(currency, 0, 500))
        return TieredPercentOff(tiers=[Tier(threshold, percent_off=draw(_percents()))], **common)
    if kind == 3:
        return QuantityPercentOff(
            min_quantity=draw(st.integers(1, 6)), percent_off=draw(_percents()), **common
        )
    if kind == 4:
        return NthUnitPercentOff(
            nth=draw(st.integers(2, 3)), percent_off=draw(_percents()), **common
        )
    if kind == 5:
        return CheapestFree(buy=draw(st.integers(2, 4)), **common)
    if kind == 6:
        return FlashSale(
            price=draw(_money(currency, 1, 200)),
            allotment=draw(st.integers(1, 10)),
            per_customer=draw(st.integers(1, 3)),
            **common,
        )
    if kind == 7:
        return Gift(
            gift_sku_id="gift-1",
            gift_name="Mug",
            gift_value=draw(_money(currency, 0, 50)),
            min_spend=draw(st.none() | _money(currency, 1, 300)),
            min_quantity=draw(st.integers(1, 4)),
            **common,
        )
    if draw(st.booleans()):
        return UnitPrice(price=draw(_money(currency, 1, 400)), **common)
    return UnitPrice(percent_off=draw(_percents()), **common)


@st.composite
def coupons(
    draw: st.DrawFn,
    currency: str = "CNY",
    *,
    rule_id: str = "coupon-0",
    exclusive: bool | None = None,
) -> AmountOffCoupon | PercentOffCoupon:
    """A goods coupon (amount or percentage off) in ``currency``; ``exclusive`` None: either."""
    stacking = draw(st.just(Stacking()) | _stackings(coupons=True))
    if exclusive is not None:
        stacking = attrs.evolve(stacking, exclusive=exclusive)
    common: dict[str, Any] = {
        "id": rule_id,
        "priority": draw(st.integers(0, 2)),
        "scope": draw(st.just(Scope()) | _scopes()),
        "stacking": stacking,
        "shop": draw(st.sampled_from(_SHOPS)),
        "min_spend": draw(st.none() | _money(currency, 1, 800)),
        "window": Window(ends_at=PRICING_EPOCH + timedelta(days=draw(st.integers(1, 30)))),
    }
    if draw(st.booleans()):
        return AmountOffCoupon(amount_off=draw(_money(currency, 1, 150)), **common)
    return PercentOffCoupon(
        percent_off=draw(_percents()),
        max_discount=draw(st.none() | _money(currency, 1, 100)),
        **common,
    )


def wallets(
    currency: str = "CNY", *, min_size: int = 0, max_size: int = 6
) -> st.SearchStrategy[list[Coupon]]:
    """Wallets of distinct-id goods coupons in ``currency``."""
    return st.integers(min_size, max_size).flatmap(
        lambda size: st.tuples(
            *(coupons(currency, rule_id=f"coupon-{index}") for index in range(size))
        ).map(list)
    )


@st.composite
def quote_documents(draw: st.DrawFn, currency: str | None = None) -> QuoteDocument:
    """Rule files: a drawn cart's SKUs as the catalog, promotions, a customer with a wallet."""
    cart = draw(carts(currency))
    code = cart.currency
    entries: dict[str, CatalogEntry] = {}
    items = []
    for line in cart.lines:
        entry = CatalogEntry(
            sku_id=line.sku_id,
            product_id=line.product_id,
            list_price=line.list_price,
            sale_price=line.sale_price,
            category_ids=sorted(line.category_ids),
            shop=line.shop,
            on_promotion=line.on_promotion,
        )
        sku_id = entries.setdefault(line.sku_id, entry).sku_id
        items.append(CartItem(sku_id=sku_id, quantity=line.quantity, line_id=line.line_id))
    count = draw(st.integers(0, 3))
    wallet = draw(wallets(code, max_size=3))
    shopper = draw(customers())
    return QuoteDocument(
        now=PRICING_EPOCH,
        currency=code,
        catalog=tuple(entries.values()),
        promotions=[draw(promotions(code, rule_id=f"promo-{n}")) for n in range(count)],
        customer=CustomerDocument(
            id=shopper.id,
            tier=shopper.tier,
            is_new=shopper.is_new,
            region=shopper.region,
            usage=shopper.usage,
            wallet=wallet,
        ),
        cart=items,
        group_buy=cart.group_buy,
        selected=draw(st.none() | st.just(tuple(coupon.id for coupon in wallet[:1]))),
        usage=draw(
            st.dictionaries(st.sampled_from(["promo-0", "promo-0:units"]), st.integers(0, 9))
        ),
        max_platform_coupons=draw(st.integers(0, 2)),
        max_shop_coupons=draw(st.integers(0, 2)),
        rounding=draw(st.sampled_from(Rounding)),
    )
