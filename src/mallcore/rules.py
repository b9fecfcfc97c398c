"""Rule files: a catalog, promotions, a customer with a coupon wallet and a cart, as JSON.

docs/rules-format.md documents the format. :func:`load_quote_document`
reads one through :mod:`mallcore.serialization`, so a bad file raises
:class:`~mallcore.errors.InvalidDocument` naming the path of every bad field
(``$.promotions[2].tiers[0].threshold``) and the reason, never a traceback;
:meth:`QuoteDocument.price` prices it with :func:`mallcore.pricing.quote`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from mallcore.errors import InvalidDocument
from mallcore.money import Money, Rounding
from mallcore.pricing import Cart, CartLine, Coupon, Customer, Promotion, Quote, quote
from mallcore.serialization import loads

__all__ = [
    "CartItem",
    "CatalogEntry",
    "CustomerDocument",
    "QuoteDocument",
    "load_quote_document",
]


def _tuple(values: Any) -> tuple[Any, ...]:
    return tuple(values)


@attrs.frozen(kw_only=True)
class CatalogEntry:
    """A SKU as pricing sees it: product, prices, categories (with ancestors), shop."""

    sku_id: str
    product_id: str
    name: str = ""
    list_price: Money
    sale_price: Money | None = None
    category_ids: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    shop: str | None = None
    on_promotion: bool = False


@attrs.frozen(kw_only=True)
class CartItem:
    """A cart line in a rule file: a SKU of the catalog and a quantity."""

    sku_id: str
    quantity: int
    line_id: str | None = None


@attrs.frozen(kw_only=True)
class CustomerDocument:
    """The customer: tier, first order or not, region, usage counts and coupon wallet."""

    id: str
    tier: str | None = None
    is_new: bool = False
    region: str | None = None
    usage: dict[str, int] = attrs.field(factory=dict, hash=False)
    wallet: tuple[Coupon, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class QuoteDocument:
    """Everything one quote needs: the moment, the rules, the customer and the cart."""

    now: datetime
    currency: str
    catalog: tuple[CatalogEntry, ...] = attrs.field(converter=_tuple)
    promotions: tuple[Promotion, ...] = attrs.field(default=(), converter=_tuple)
    customer: CustomerDocument = attrs.field(factory=lambda: CustomerDocument(id="guest"))
    cart: tuple[CartItem, ...] = attrs.field(converter=_tuple)
    group_buy: bool = False
    selected: tuple[str, ...] | None = None
    usage: dict[str, int] = attrs.field(factory=dict, hash=False)
    max_platform_coupons: int = 1
    max_shop_coupons: int = 1
    rounding: Rounding = Rounding.HALF_UP

    def build_cart(self, *, source: str = "document") -> Cart:
        """The pricing cart: each item joined with its catalog entry."""
        entries = {entry.sku_id: entry for entry in self.catalog}
        problems = [
            f"$.cart[{index}].sku_id: {item.sku_id!r} is not in the catalog"
            for index, item in enumerate(self.cart)
            if item.sku_id not in entries
        ]
        if problems:
            raise InvalidDocument(source, problems)
        lines = []
        for index, item in enumerate(self.cart):
            entry = entries[item.sku_id]
            lines.append(
                CartLine(
                    line_id=item.line_id or f"{index + 1}",
                    sku_id=entry.sku_id,
                    product_id=entry.product_id,
                    quantity=item.quantity,
                    list_price=entry.list_price,
                    sale_price=entry.sale_price,
                    category_ids=frozenset(entry.category_ids),
                    shop=entry.shop,
                    on_promotion=entry.on_promotion,
                )
            )
        return Cart(currency=self.currency, lines=lines, group_buy=self.group_buy)

    def price(self, *, source: str = "document") -> Quote:
        """Price the document's cart (bad values raise InvalidDocument naming the source)."""
        cart = self.build_cart(source=source)
        customer = Customer(
            id=self.customer.id,
            tier=self.customer.tier,
            is_new=self.customer.is_new,
            region=self.customer.region,
            usage=dict(self.customer.usage),
        )
        return quote(
            cart,
            promotions=self.promotions,
            coupons=self.customer.wallet,
            customer=customer,
            now=self.now,
            selected=self.selected,
            usage=self.usage,
            max_platform_coupons=self.max_platform_coupons,
            max_shop_coupons=self.max_shop_coupons,
            rounding=self.rounding,
        )


def load_quote_document(text: str, *, source: str = "document") -> QuoteDocument:
    """Read a rule file's JSON ``text``, or raise InvalidDocument naming each bad field."""
    return loads(text, QuoteDocument, source=source)
