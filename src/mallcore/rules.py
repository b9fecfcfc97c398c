"""Rule files: a catalog, promotions, a customer with a coupon wallet and a cart, as JSON.

docs/rules-format.md documents the format. :func:`load_quote_document`
reads one through :mod:`mallcore.serialization`, so a bad file raises
:class:`~mallcore.errors.InvalidDocument` naming the path of every bad field
(``$.promotions[2].tiers[0].threshold``) and the reason, never a traceback;
:meth:`QuoteDocument.price` prices it with :func:`mallcore.pricing.quote`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from mallcore._fields import members, strings, to_tuple
from mallcore.errors import InvalidDocument, InvalidValue, LimitExceeded
from mallcore.limits import CEILINGS, DEFAULT_LIMITS, InputLimits
from mallcore.loyalty import EarningPolicy, TierProgram
from mallcore.money import Money, Rounding
from mallcore.pricing import (
    Cart,
    CartLine,
    Coupon,
    Customer,
    PointsOffer,
    Promotion,
    Quote,
    Usage,
    quote,
)
from mallcore.pricing.cart import as_usage
from mallcore.pricing.rules import KINDS, AmountOffCoupon, PercentOffCoupon, ShippingCoupon
from mallcore.serialization import converter, loads
from mallcore.shipping import ShippingSetup

__all__ = [
    "CartItem",
    "CatalogEntry",
    "CustomerDocument",
    "QuoteDocument",
    "load_quote_document",
]


def _whole_number(value: object, minimum: int, field: str) -> int:
    """``value`` if it is a whole number of at least ``minimum``, written as a JSON number."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, value, "must be a whole number written without quotes")
    if value < minimum:
        raise InvalidValue(field, value, f"must be {minimum} or more")
    return value


def _quantity(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    _units(value, attribute.name)


def _units(value: object, field: str) -> int:
    """A cart item's quantity: a whole number from 1 up to the ceiling of ``units_per_line``."""
    ceiling = CEILINGS["units_per_line"]
    units = _whole_number(value, 1, field)
    if units > ceiling:
        raise LimitExceeded(field, value, "units_per_line", ceiling)
    return units


def _coupon_limit(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    _whole_number(value, 0, attribute.name)


_COUPONS = (AmountOffCoupon, PercentOffCoupon, ShippingCoupon)
_PROMOTIONS = tuple(cls for cls in KINDS if cls not in _COUPONS)


@attrs.frozen(kw_only=True)
class CatalogEntry:
    """A SKU as pricing sees it: product, prices, categories (with ancestors), shop.

    For freight: unit ``weight`` (kg) and ``volume`` (m³), and the
    ``freight_template`` or ``flat_postage`` (统一运费) that charges it.
    """

    sku_id: str
    product_id: str
    name: str = ""
    list_price: Money
    sale_price: Money | None = None
    category_ids: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=strings)
    shop: str | None = None
    on_promotion: bool = False
    weight: Decimal = Decimal(0)
    volume: Decimal = Decimal(0)
    freight_template: str | None = None
    flat_postage: Money | None = None


@attrs.frozen(kw_only=True)
class CartItem:
    """A cart line in a rule file: a SKU of the catalog and a quantity."""

    sku_id: str
    quantity: int = attrs.field(validator=_quantity)
    line_id: str | None = None


@attrs.frozen(kw_only=True)
class CustomerDocument:
    """The customer: tier, first order or not, region, birthday, usage counts and coupon wallet."""

    id: str
    tier: str | None = None
    is_new: bool = False
    region: str | None = None
    birthday: date | None = None
    usage: Usage = attrs.field(factory=Usage, converter=as_usage)
    wallet: tuple[Coupon, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(_COUPONS, "Coupon")
    )


@attrs.frozen(kw_only=True)
class QuoteDocument:
    """Everything one quote needs: the moment, the rules, the customer and the cart.

    With ``shipping`` (a merchant's shipping set-up), the quote includes the
    freight to ``destination`` (default: the customer's region) by
    ``shipping_method`` (default: the cheapest). With ``points`` (the
    redemption policy, the points the customer has and may ask for), points
    come off the goods (积分抵扣); with ``earning`` the quote shows the points
    the order would earn. With ``tiers`` (the member tier programme), the
    customer's tier brings its benefits: discount, free shipping, points
    multiplier.
    """

    now: datetime
    currency: str
    catalog: tuple[CatalogEntry, ...] = attrs.field(
        converter=to_tuple, validator=members(CatalogEntry, "CatalogEntry")
    )
    promotions: tuple[Promotion, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(_PROMOTIONS, "Promotion")
    )
    customer: CustomerDocument = attrs.field(factory=lambda: CustomerDocument(id="guest"))
    cart: tuple[CartItem, ...] = attrs.field(
        converter=to_tuple, validator=members(CartItem, "CartItem")
    )
    group_buy: bool = False
    selected: tuple[str, ...] | None = None
    usage: Usage = attrs.field(factory=Usage, converter=as_usage)
    max_platform_coupons: int = attrs.field(default=1, validator=_coupon_limit)
    max_shop_coupons: int = attrs.field(default=1, validator=_coupon_limit)
    rounding: Rounding = Rounding.HALF_UP
    shipping: ShippingSetup | None = None
    destination: str | None = None
    shipping_method: str | None = None
    points: PointsOffer | None = None
    earning: EarningPolicy | None = None
    tiers: TierProgram | None = None

    def limit_problems(self, limits: InputLimits = DEFAULT_LIMITS) -> list[str]:
        """Where the document goes past ``limits``, each as ``"$.path: reason"``; empty when none.

        Lines and units in the cart, promotions and coupons: what
        :func:`~mallcore.pricing.quote` would refuse before pricing.
        """
        found = []
        checks = [
            ("$.cart", "lines_per_cart", len(self.cart)),
            ("$.customer.wallet", "coupons_per_quote", len(self.customer.wallet)),
            (
                "$.promotions",
                "rules_per_quote",
                len(self.promotions) + len(self.customer.wallet),
            ),
            *(
                (f"$.cart[{index}].quantity", "units_per_line", item.quantity)
                for index, item in enumerate(self.cart)
            ),
            ("$.cart", "units_per_cart", sum(item.quantity for item in self.cart)),
        ]
        for path, limit, value in checks:
            try:
                limits.check(limit, limit, value)
            except LimitExceeded as exc:
                found.append(f"{path}: {exc.reason} (got {value})")
        return found

    def problems(self, limits: InputLimits = DEFAULT_LIMITS) -> list[str]:
        """What the engine would refuse, each as ``"$.path: reason"``; empty when none.

        First what goes past ``limits`` (:meth:`limit_problems`); then prices
        in another currency than the document's or below zero, cart items not
        in the catalog, two rules with one id, selected ids that are not in
        the wallet, a customer tier the tier programme lacks.
        """
        problems = self.limit_problems(limits)
        if problems:
            return problems
        for index, entry in enumerate(self.catalog):
            for name, price in (("list_price", entry.list_price), ("sale_price", entry.sale_price)):
                path = f"$.catalog[{index}].{name}"
                if price is None:
                    continue
                if price.currency != self.currency:
                    reason = f"must be in the document's currency {self.currency}"
                    problems.append(f"{path}: {reason} (got {price})")
                elif price.is_negative():
                    problems.append(f"{path}: must not be negative (got {price})")
        if self.shipping is not None and self.shipping.templates:
            templates = {template.id for template in self.shipping.templates}
            problems += [
                f"$.catalog[{index}].freight_template: {entry.freight_template!r} "
                f"is not a template of $.shipping.templates {sorted(templates)}"
                for index, entry in enumerate(self.catalog)
                if entry.freight_template is not None and entry.freight_template not in templates
            ]
        skus = {entry.sku_id for entry in self.catalog}
        problems += [
            f"$.cart[{index}].sku_id: {item.sku_id!r} is not in the catalog"
            for index, item in enumerate(self.cart)
            if item.sku_id not in skus
        ]
        lines: dict[str, int] = {}
        for index, item in enumerate(self.cart):
            line_id = item.line_id or f"{index + 1}"
            if line_id in lines:
                where = f"$.cart[{lines[line_id]}]"
                problems.append(f"$.cart[{index}].line_id: {line_id!r} is also the line of {where}")
            lines.setdefault(line_id, index)
        first: dict[str, str] = {}
        rules = [
            *((f"$.promotions[{index}]", rule.id) for index, rule in enumerate(self.promotions)),
            *(
                (f"$.customer.wallet[{index}]", coupon.id)
                for index, coupon in enumerate(self.customer.wallet)
            ),
        ]
        for path, rule_id in rules:
            if rule_id in first:
                problems.append(f"{first[rule_id]}.id: {rule_id!r} is also the id of {path}")
            else:
                first[rule_id] = path
        wallet = {coupon.id for coupon in self.customer.wallet}
        problems += [
            f"$.selected[{index}]: {coupon_id!r} is not a coupon of the wallet"
            for index, coupon_id in enumerate(self.selected or ())
            if coupon_id not in wallet
        ]
        tier = self.customer.tier
        if self.tiers is not None and tier is not None:
            known = [t.id for t in self.tiers.tiers]
            if tier not in known:
                problems.append(f"$.customer.tier: {tier!r} is not a tier of $.tiers {known}")
        return problems

    def build_cart(self, *, source: str = "document", limits: InputLimits = DEFAULT_LIMITS) -> Cart:
        """The pricing cart: each item joined with its catalog entry (or InvalidDocument)."""
        problems = self.problems(limits)
        if problems:
            raise InvalidDocument(source, problems)
        entries = {entry.sku_id: entry for entry in self.catalog}
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
                    weight=entry.weight,
                    volume=entry.volume,
                    freight_template=entry.freight_template,
                    flat_postage=entry.flat_postage,
                )
            )
        return Cart(currency=self.currency, lines=lines, group_buy=self.group_buy, limits=limits)

    def price(self, *, source: str = "document", limits: InputLimits = DEFAULT_LIMITS) -> Quote:
        """Price the document's cart (bad values raise InvalidDocument naming the source)."""
        cart = self.build_cart(source=source, limits=limits)
        customer = Customer(
            id=self.customer.id,
            tier=self.customer.tier,
            is_new=self.customer.is_new,
            region=self.customer.region,
            birthday=self.customer.birthday,
            usage=self.customer.usage,
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
            shipping=self.shipping,
            destination=self.destination,
            shipping_method=self.shipping_method,
            points=self.points,
            earning=self.earning,
            tiers=self.tiers,
            limits=limits,
        )


def load_quote_document(
    text: str | bytes, *, source: str = "document", limits: InputLimits = DEFAULT_LIMITS
) -> QuoteDocument:
    """Read a rule file's JSON ``text``, or raise InvalidDocument naming each bad field.

    The size and nesting depth are held to ``limits`` before parsing, the
    lines, units and rules after (see :meth:`QuoteDocument.limit_problems`).
    """
    document = loads(text, QuoteDocument, source=source, limits=limits)
    problems = document.limit_problems(limits)
    if problems:
        raise InvalidDocument(source, problems)
    return document


def _quantity_from_json(value: object, _: type) -> int:
    return _units(value, "quantity")


def _coupon_limit_from_json(value: object, _: type) -> int:
    return _whole_number(value, 0, "coupons per order")


def _register_documents() -> None:
    # the converter would read "2" as 2: a count must be a JSON number, checked
    # where the field is read so the error carries the field's path
    from cattrs.gen import make_dict_structure_fn, override

    converter.register_structure_hook(
        CartItem,
        make_dict_structure_fn(
            CartItem, converter, quantity=override(struct_hook=_quantity_from_json)
        ),
    )
    limit = override(struct_hook=_coupon_limit_from_json)
    converter.register_structure_hook(
        QuoteDocument,
        make_dict_structure_fn(
            QuoteDocument, converter, max_platform_coupons=limit, max_shop_coupons=limit
        ),
    )


_register_documents()
