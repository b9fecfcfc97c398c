"""Strategies for pricing: carts, customers, promotions and coupon wallets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from mallcore.money import Money, Rounding, currency_exponent
from mallcore.pricing import (
    Alternative,
    AmountOffCoupon,
    Audience,
    Cart,
    CartLine,
    CheapestFree,
    Coupon,
    Customer,
    FlashSale,
    Gift,
    Limits,
    LineDiscount,
    LineQuote,
    LineShare,
    NthUnitPercentOff,
    PercentOffCoupon,
    PointsOffer,
    Promotion,
    QuantityPercentOff,
    Quote,
    RepeatingAmountOff,
    RuleOutcome,
    Scope,
    ShippingCoupon,
    Stacking,
    Tier,
    TieredAmountOff,
    TieredPercentOff,
    UnitPrice,
    Window,
    quote,
)
from mallcore.rules import CartItem, CatalogEntry, CustomerDocument, QuoteDocument
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._loyalty import earning_policies, redemption_policies
from mallcore.testing.strategies._parts import parts_of
from mallcore.testing.strategies._shipping import TEMPLATE_IDS, division_codes, shipping_setups

__all__ = [
    "PRICING_EPOCH",
    "alternatives",
    "amount_off_coupons",
    "audiences",
    "cart_items",
    "cart_lines",
    "carts",
    "catalog_entries",
    "cheapest_frees",
    "coupons",
    "customer_documents",
    "customers",
    "flash_sales",
    "gifts",
    "line_discounts",
    "line_quotes",
    "line_shares",
    "nth_unit_percent_offs",
    "percent_off_coupons",
    "points_offers",
    "promotions",
    "quantity_percent_offs",
    "quote_documents",
    "quotes",
    "repeating_amount_offs",
    "rule_limits",
    "rule_outcomes",
    "rule_tiers",
    "scopes",
    "shipping_coupons",
    "stackings",
    "tiered_amount_offs",
    "tiered_percent_offs",
    "unit_prices",
    "wallets",
    "windows",
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


_R = TypeVar("_R")


def _rules(
    kind: Callable[..., _R], rule_id: str, **fields: st.SearchStrategy[Any]
) -> st.SearchStrategy[_R]:
    """Promotions of ``kind``: the shared fields (mostly live at PRICING_EPOCH), and ``fields``."""
    return st.builds(
        kind,
        id=st.just(rule_id),
        priority=st.integers(0, 3),
        scope=st.just(Scope()) | _scopes(),
        stacking=st.just(Stacking()) | _stackings(),
        window=st.just(Window()) | _windows(),
        **fields,
    )


@st.composite
def _amount_tiers(draw: st.DrawFn, currency: str) -> list[Tier]:
    thresholds = sorted(
        draw(st.lists(_money(currency, 1, 1000), min_size=1, max_size=3, unique=True)),
        key=lambda money: money.minor_units,
    )
    return [Tier(threshold, draw(_money(currency, 1, 100))) for threshold in thresholds]


def rule_tiers(currency: str = "CNY") -> st.SearchStrategy[Tier]:
    """One step of a tiered rule in ``currency``: an amount or a percentage off from a threshold."""
    return st.builds(
        Tier, _money(currency, 0, 1000), amount_off=_money(currency, 1, 100)
    ) | st.builds(Tier, _money(currency, 0, 1000), percent_off=_percents())


def tiered_amount_offs(
    currency: str = "CNY", *, rule_id: str = "promo-0"
) -> st.SearchStrategy[TieredAmountOff]:
    """满减 in one to three tiers of rising thresholds."""
    return _rules(TieredAmountOff, rule_id, tiers=_amount_tiers(currency))


def repeating_amount_offs(
    currency: str = "CNY", *, rule_id: str = "promo-0"
) -> st.SearchStrategy[RepeatingAmountOff]:
    """每满X减Y, capped or not."""
    return _rules(
        RepeatingAmountOff,
        rule_id,
        every=_money(currency, 1, 300),
        amount_off=_money(currency, 1, 50),
        cap=st.none() | _money(currency, 1, 200),
    )


def tiered_percent_offs(
    currency: str = "CNY", *, rule_id: str = "promo-0"
) -> st.SearchStrategy[TieredPercentOff]:
    """满折 from one threshold."""
    tiers = st.builds(Tier, _money(currency, 0, 500), percent_off=_percents()).map(lambda t: [t])
    return _rules(TieredPercentOff, rule_id, tiers=tiers)


def quantity_percent_offs(
    currency: str = "CNY", *, rule_id: str = "promo-0"
) -> st.SearchStrategy[QuantityPercentOff]:
    """N件M折 from 1 to 6 units."""
    return _rules(
        QuantityPercentOff,
        rule_id,
        min_quantity=st.integers(1, 6),
        percent_off=_percents(),
    )


def nth_unit_percent_offs(
    currency: str = "CNY", *, rule_id: str = "promo-0"
) -> st.SearchStrategy[NthUnitPercentOff]:
    """第二件半价 (or every third unit) at any percentage."""
    return _rules(NthUnitPercentOff, rule_id, nth=st.integers(2, 3), percent_off=_percents())


def cheapest_frees(
    currency: str = "CNY", *, rule_id: str = "promo-0"
) -> st.SearchStrategy[CheapestFree]:
    """Buy 2 to 4, the cheapest free."""
    return _rules(CheapestFree, rule_id, buy=st.integers(2, 4))


def flash_sales(currency: str = "CNY", *, rule_id: str = "promo-0") -> st.SearchStrategy[FlashSale]:
    """秒杀 with a small allotment and per-customer limit."""
    return _rules(
        FlashSale,
        rule_id,
        price=_money(currency, 1, 200),
        allotment=st.integers(1, 10),
        per_customer=st.integers(1, 3),
    )


def gifts(currency: str = "CNY", *, rule_id: str = "promo-0") -> st.SearchStrategy[Gift]:
    """满赠 / 买赠 of a mug, from a spend or a quantity."""
    return _rules(
        Gift,
        rule_id,
        gift_sku_id=st.just("gift-1"),
        gift_name=st.just("Mug"),
        gift_value=_money(currency, 0, 50),
        min_spend=st.none() | _money(currency, 1, 300),
        min_quantity=st.integers(1, 4),
    )


def unit_prices(currency: str = "CNY", *, rule_id: str = "promo-0") -> st.SearchStrategy[UnitPrice]:
    """Special prices: a fixed price or a percentage off."""
    return _rules(UnitPrice, rule_id, price=_money(currency, 1, 400)) | _rules(
        UnitPrice, rule_id, percent_off=_percents()
    )


_PROMOTION_KINDS = (
    tiered_amount_offs,
    repeating_amount_offs,
    tiered_percent_offs,
    quantity_percent_offs,
    nth_unit_percent_offs,
    cheapest_frees,
    flash_sales,
    gifts,
    unit_prices,
)


def promotions(currency: str = "CNY", *, rule_id: str = "promo-0") -> st.SearchStrategy[Promotion]:
    """An automatic promotion of any kind in ``currency`` (mostly live at PRICING_EPOCH)."""
    return st.one_of([kind(currency, rule_id=rule_id) for kind in _PROMOTION_KINDS])


@st.composite
def _coupon_fields(
    draw: st.DrawFn, currency: str, rule_id: str, exclusive: bool | None
) -> dict[str, Any]:
    stacking = draw(st.just(Stacking()) | _stackings(coupons=True))
    if exclusive is not None:
        stacking = attrs.evolve(stacking, exclusive=exclusive)
    return {
        "id": rule_id,
        "priority": draw(st.integers(0, 2)),
        "scope": draw(st.just(Scope()) | _scopes()),
        "stacking": stacking,
        "shop": draw(st.sampled_from(_SHOPS)),
        "min_spend": draw(st.none() | _money(currency, 1, 800)),
        "window": Window(ends_at=PRICING_EPOCH + timedelta(days=draw(st.integers(1, 30)))),
    }


def _coupons(
    kind: Callable[..., _R],
    currency: str,
    rule_id: str,
    exclusive: bool | None,
    **fields: st.SearchStrategy[Any],
) -> st.SearchStrategy[_R]:
    return st.builds(
        lambda common, **own: kind(**common, **own),
        _coupon_fields(currency, rule_id, exclusive),
        **fields,
    )


def amount_off_coupons(
    currency: str = "CNY", *, rule_id: str = "coupon-0", exclusive: bool | None = None
) -> st.SearchStrategy[AmountOffCoupon]:
    """满减券 / 无门槛券 in ``currency``, valid for 1 to 30 days after PRICING_EPOCH."""
    return _coupons(
        AmountOffCoupon, currency, rule_id, exclusive, amount_off=_money(currency, 1, 150)
    )


def percent_off_coupons(
    currency: str = "CNY", *, rule_id: str = "coupon-0", exclusive: bool | None = None
) -> st.SearchStrategy[PercentOffCoupon]:
    """折扣券 in ``currency``, capped or not, valid for 1 to 30 days after PRICING_EPOCH."""
    return _coupons(
        PercentOffCoupon,
        currency,
        rule_id,
        exclusive,
        percent_off=_percents(),
        max_discount=st.none() | _money(currency, 1, 100),
    )


def shipping_coupons(
    currency: str = "CNY", *, rule_id: str = "coupon-0"
) -> st.SearchStrategy[ShippingCoupon]:
    """运费券: an amount off the freight in ``currency``, or all of it (None)."""
    return _coupons(
        ShippingCoupon, currency, rule_id, None, amount_off=st.none() | _money(currency, 1, 50)
    )


def coupons(
    currency: str = "CNY",
    *,
    rule_id: str = "coupon-0",
    exclusive: bool | None = None,
) -> st.SearchStrategy[AmountOffCoupon | PercentOffCoupon]:
    """A goods coupon (amount or percentage off) in ``currency``; ``exclusive`` None: either."""
    return st.one_of(
        amount_off_coupons(currency, rule_id=rule_id, exclusive=exclusive),
        percent_off_coupons(currency, rule_id=rule_id, exclusive=exclusive),
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


def windows() -> st.SearchStrategy[Window]:
    """Windows open on either side or both, or closed around a drawn moment (up to 400 days)."""
    return _windows() | st.builds(
        lambda start, hours: Window(starts_at=start, ends_at=start + timedelta(hours=hours)),
        aware_datetimes(),
        st.integers(1, 400 * 24),
    )


def scopes() -> st.SearchStrategy[Scope]:
    """Scopes over every field: categories, products, SKUs, exclusions and a shop."""
    return st.builds(
        Scope,
        categories=st.frozensets(st.sampled_from(_CATEGORIES), max_size=2),
        products=st.frozensets(st.sampled_from(["p-1", "p-2", "p-3"]), max_size=2),
        skus=st.frozensets(st.sampled_from(["sku-1", "sku-2"]), max_size=1),
        excluded_products=st.frozensets(st.sampled_from(["p-3"]), max_size=1),
        excluded_skus=st.frozensets(st.sampled_from(["sku-3"]), max_size=1),
        shop=st.sampled_from(_SHOPS),
    )


def stackings() -> st.SearchStrategy[Stacking]:
    """Stacking of any kind: exclusive or not, combining with some kinds, in a group or not."""
    return _stackings()


def audiences() -> st.SearchStrategy[Audience]:
    """Audiences: everybody, new customers, some tiers, some regions."""
    return st.builds(
        Audience,
        new_customers_only=st.booleans(),
        tiers=st.frozensets(st.sampled_from(["silver", "gold"])),
        regions=st.frozensets(st.sampled_from(["310000", "440000"])),
    )


def rule_limits() -> st.SearchStrategy[Limits]:
    """A rule's usage limits: in total and per customer, each up to 1,000 or unlimited."""
    counts = st.none() | st.integers(1, 1000)
    return st.builds(Limits, total=counts, per_customer=counts)


def points_offers(currency: str = "CNY") -> st.SearchStrategy[PointsOffer]:
    """Points a shopper offers: a redemption policy in ``currency``, up to 10,000 points."""
    return st.builds(
        PointsOffer,
        policy=redemption_policies(currency),
        available=st.integers(0, 10_000),
        requested=st.none() | st.integers(0, 10_000),
    )


@st.composite
def quotes(draw: st.DrawFn, currency: str | None = None, *, min_promotions: int = 0) -> Quote:
    """Quotes of a cart of up to four lines at PRICING_EPOCH by :func:`~mallcore.pricing.quote`.

    Up to three promotions and a wallet of up to three coupons; some quotes
    also price freight, points and the points the order earns.
    """
    cart = draw(carts(currency, max_size=4))
    code = cart.currency
    count = draw(st.integers(min_promotions, max(min_promotions, 3)))
    extras: dict[str, Any] = {}
    if draw(st.booleans()):
        templates = st.sampled_from(TEMPLATE_IDS)
        lines = [attrs.evolve(line, freight_template=draw(templates)) for line in cart.lines]
        cart = attrs.evolve(cart, lines=lines)
        extras.update(shipping=draw(shipping_setups(code)), destination=draw(division_codes()))
    if draw(st.booleans()):
        extras.update(points=draw(points_offers(code)))
    if draw(st.booleans()):
        extras.update(earning=draw(earning_policies()))
    return quote(
        cart,
        promotions=[draw(promotions(code, rule_id=f"promo-{n}")) for n in range(count)],
        coupons=draw(wallets(code, max_size=3)),
        customer=draw(customers()),
        now=PRICING_EPOCH,
        **extras,
    )


def line_quotes() -> st.SearchStrategy[LineQuote]:
    """A priced line of a quote from :func:`quotes`."""
    return parts_of(quotes(), lambda priced: priced.lines)


def rule_outcomes() -> st.SearchStrategy[RuleOutcome]:
    """The explanation of one rule in a quote from :func:`quotes`, applied or not."""
    return parts_of(quotes(min_promotions=1), lambda priced: priced.outcomes)


def line_shares(currency: str = "CNY") -> st.SearchStrategy[LineShare]:
    """A line's share of a rule's discount: up to 100 major units."""
    return st.builds(LineShare, st.sampled_from(["line-0", "line-1"]), _money(currency, 0, 100))


def line_discounts(currency: str = "CNY") -> st.SearchStrategy[LineDiscount]:
    """A discount on a line by a rule, with the amount off each unit for item promotions."""
    return st.builds(
        lambda rule_id, units: LineDiscount(
            rule_id, sum(units, start=Money.zero(currency)), tuple(units)
        ),
        st.sampled_from(["promo-0", "coupon-0"]),
        st.lists(_money(currency, 0, 100), min_size=1, max_size=3),
    )


def alternatives(currency: str = "CNY") -> st.SearchStrategy[Alternative]:
    """A coupon choice: up to two coupons, what they save and what is left to pay."""
    return st.builds(
        Alternative,
        coupon_ids=st.lists(st.sampled_from(["coupon-0", "coupon-1"]), max_size=2, unique=True).map(
            tuple
        ),
        saving=_money(currency, 0, 100),
        payable=_money(currency, 0, 1000),
    )


def catalog_entries() -> st.SearchStrategy[CatalogEntry]:
    """A SKU as a rule file lists it, from :func:`quote_documents`."""
    return parts_of(quote_documents(), lambda document: document.catalog)


def cart_items() -> st.SearchStrategy[CartItem]:
    """A cart line as a rule file lists it, from :func:`quote_documents`."""
    return parts_of(quote_documents(), lambda document: document.cart)


def customer_documents() -> st.SearchStrategy[CustomerDocument]:
    """The customer of a rule file with a wallet of up to three coupons."""
    return quote_documents().map(lambda document: document.customer)
