"""Checkout: price a shopper's basket from stored state, and place the order with what it holds.

The shopper sends a :class:`Checkout`: SKU ids and quantities, the coupons
they picked (or none, to get the best of their wallet), where it goes, the
shipping method and the points they use. Every price, rule, limit and count
comes from storage (no trust in client-sent prices or amounts):

1. the merchant's configuration in force (:class:`~mallcore.merchant.Configuration`);
2. the catalog: each SKU's product, listed and on sale now, its shop and
   freight template;
3. the customer: their member tier and birthday, whether they ordered
   before, and their usage of each limited promotion (usage counters);
4. the wallet's coupons (:mod:`mallcore.services.coupons`) and the points
   the account can spend now.

:func:`place` prices the same way inside the placing transaction, then
holds the stock of every line and gift, counts the usage of every limited
rule and coupon (conditional counter updates: a limit reached by another
checkout meanwhile fails this commit, never both), locks the coupons,
spends the points and saves the order with its record (consignee, item
snapshots, shipping method, configuration version).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from mallcore._fields import id_field, identifier
from mallcore.catalog import Product
from mallcore.errors import (
    DuplicateOrder,
    InvalidValue,
    NotFound,
    OutOfStock,
    PriceChanged,
    WrongType,
)
from mallcore.loyalty import Member
from mallcore.merchant import Configuration, GiftPolicy
from mallcore.money import Money
from mallcore.orders import Charge, Consignee, ItemSnapshot, Order
from mallcore.ports import ReadAhead, UnitOfWork
from mallcore.pricing import (
    Cart,
    CartLine,
    Coupon,
    Customer,
    FlashSale,
    Gift,
    Promotion,
    Quote,
    quote,
)
from mallcore.pricing.from_catalog import cart_line
from mallcore.services import counters
from mallcore.services._points import points_offer, spend_order_points
from mallcore.services._stock import hold_stock
from mallcore.services.coupons import WalletChoice, lock_order_coupons, wallet_choice

__all__ = [
    "Checkout",
    "MAX_LINES",
    "Priced",
    "configuration",
    "place",
    "price",
]

MAX_LINES = 200
"""The most distinct SKUs one checkout may hold."""


def _items(value: Mapping[str, int] | Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Mapping | Iterable):
        raise WrongType("items", value, "mapping of SKU id to quantity")
    pairs = tuple(value.items() if isinstance(value, Mapping) else value)
    if not pairs:
        raise InvalidValue("items", pairs, "must name at least one SKU")
    if len(pairs) > MAX_LINES:
        raise InvalidValue("items", len(pairs), f"must name at most {MAX_LINES} SKUs")
    seen: set[str] = set()
    for sku_id, quantity in pairs:
        identifier("items.sku_id", sku_id)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise WrongType(f"items[{sku_id!r}]", quantity, "int")
        if quantity < 1:
            raise InvalidValue(f"items[{sku_id!r}]", quantity, "must be at least 1")
        if sku_id in seen:
            raise InvalidValue("items", sku_id, "names a SKU twice")
        seen.add(sku_id)
    return pairs


def _coupon_ids(value: Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise WrongType("coupons", value, "sequence of coupon ids")
    ids = tuple(value)
    for coupon_id in ids:
        identifier("coupons", coupon_id)
    return ids


def _points(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType("points", value, "int")
    if value < 0:
        raise InvalidValue("points", value, "must not be negative")


def _optional(cls: type, name: str) -> Callable[[object, attrs.Attribute[Any], object], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, cls):
            raise WrongType(attribute.name, value, name)

    return check


@attrs.frozen(kw_only=True)
class Checkout:
    """What the shopper asks for: the same value prices the basket and places the order.

    - ``items``: SKU id -> quantity;
    - ``coupons``: the wallet coupons the shopper picked; None lets the shop
      choose the best combination of the wallet's usable coupons, ``()``
      uses none;
    - ``consignee``: who receives it and where (needed to place the order);
      ``destination`` a region code for a price preview without an address
      (default the consignee's region);
    - ``shipping_method``: one of the offered methods (default the cheapest);
    - ``points``: how many points to spend; 0 none, None as many as the
      merchant's redemption policy allows.
    """

    customer_id: str = attrs.field(validator=id_field)
    items: tuple[tuple[str, int], ...] = attrs.field(converter=_items)
    coupons: tuple[str, ...] | None = attrs.field(default=None, converter=_coupon_ids)
    consignee: Consignee | None = attrs.field(
        default=None, validator=_optional(Consignee, "Consignee")
    )
    destination: str | None = attrs.field(default=None, validator=_optional(str, "str"))
    shipping_method: str | None = attrs.field(default=None, validator=_optional(str, "str"))
    points: int | None = attrs.field(default=0, validator=_points)

    def region(self) -> str | None:
        """Where the goods go: ``destination``, else the consignee's region."""
        if self.destination is not None:
            return self.destination
        return None if self.consignee is None else self.consignee.region


@attrs.frozen(kw_only=True)
class Priced:
    """A priced checkout and what placing it needs: the quote and the state it was priced on."""

    quote: Quote
    configuration: Configuration
    products: Mapping[str, Product]
    wallet: WalletChoice


_UNCONFIGURED: Final = Configuration()
"""What a shop runs on before its first configuration is saved (built once: it is frozen)."""


def configuration(uow: UnitOfWork) -> Configuration:
    """The merchant's configuration in force (an empty one before the first is saved)."""
    try:
        return uow.configuration.current()
    except NotFound:
        return _UNCONFIGURED


def _limited(promotions: Iterable[Promotion]) -> list[Promotion]:
    return [
        rule
        for rule in promotions
        if isinstance(rule, FlashSale) or rule.limits.total or rule.limits.per_customer
    ]


def _customer(
    uow: UnitOfWork, config: Configuration, checkout: Checkout
) -> tuple[Customer, dict[str, int]]:
    """The shopper as pricing sees them, and the shop-wide usage of the limited promotions.

    Whether this is their first order is left False: :func:`_first_order`
    looks it up when a rule asks.
    """
    try:
        member: Member | None = uow.members.get(checkout.customer_id)
    except NotFound:
        member = None
    mine: dict[str, int] = {}
    everyone: dict[str, int] = {}
    for rule in _limited(config.promotions):
        mine[rule.id] = uow.counters.value(counters.rule_uses_by(rule.id, checkout.customer_id))
        everyone[rule.id] = uow.counters.value(counters.rule_uses(rule.id))
        if isinstance(rule, FlashSale):
            key = rule.units_key
            mine[key] = uow.counters.value(counters.flash_units_by(rule.id, checkout.customer_id))
            everyone[key] = uow.counters.value(counters.flash_units(rule.id))
    customer = Customer(
        id=checkout.customer_id,
        tier=None if member is None else member.tier_id(),
        region=checkout.region(),
        birthday=None if member is None else member.birthday,
        usage=mine,
    )
    return customer, everyone


def _first_order(uow: UnitOfWork, customer: Customer) -> Customer:
    """``customer``, new (``is_new``) when they have placed no order yet."""
    return attrs.evolve(customer, is_new=not uow.orders.of_customer(customer.id, limit=1))


def _for_new_customers(rules: Iterable[Promotion | Coupon]) -> bool:
    return any(rule.audience.new_customers_only for rule in rules)


def _lines(
    uow: UnitOfWork, config: Configuration, checkout: Checkout, now: datetime
) -> tuple[list[CartLine], dict[str, Product]]:
    lines: list[CartLine] = []
    products: dict[str, Product] = {}
    for sku_id, quantity in checkout.items:
        product = uow.products.get_by_sku(sku_id)
        if not product.is_purchasable(now, sku_id):
            raise InvalidValue("items", sku_id, "is not on sale now")
        products[sku_id] = product
        lines.append(
            cart_line(
                product,
                product.sku(sku_id),
                quantity=quantity,
                categories=config.categories,
                shop=product.shop_id,
                freight_template=product.freight_template_id,
            )
        )
    return lines, products


def read_ahead(uow: UnitOfWork, checkout: Checkout, *, order_id: str | None = None) -> None:
    """Tell ``uow`` what pricing ``checkout`` reads first (placing it as ``order_id``: more).

    On PostgreSQL this makes the reads one round trip instead of one each.
    """
    skus = [sku_id for sku_id, _ in checkout.items]
    placing = order_id is not None
    uow.read_ahead(
        ReadAhead(
            orders=[order_id] if placing else [],
            configuration=True,
            products_by_sku=skus,
            members=[checkout.customer_id],
            coupons_of_customer=[checkout.customer_id] if checkout.coupons is None else [],
            stocks=skus if placing else [],
        )
    )


def price(
    uow: UnitOfWork,
    checkout: Checkout,
    *,
    now: datetime,
    without: frozenset[str] = frozenset(),
) -> Priced:
    """Price ``checkout`` at ``now`` from what ``uow`` sees (see the module docstring).

    ``without`` names promotions to leave out (a gift that ran out under
    :attr:`GiftPolicy.DROP`). Raises NotFound for an unknown SKU,
    InvalidValue for one not on sale now, CouponUnavailable (with its
    reason) for a picked coupon that cannot apply.
    """
    config = configuration(uow)
    lines, products = _lines(uow, config, checkout, now)
    customer, usage = _customer(uow, config, checkout)
    promotions = [rule for rule in config.promotions if rule.id not in without]
    offer = None
    if checkout.points != 0 and config.redemption is not None:
        offer = points_offer(
            uow, checkout.customer_id, config.redemption, requested=checkout.points, at=now
        )
    settings = config.settings
    newcomer = functools.cache(lambda: _first_order(uow, customer))

    def priced(coupons: WalletChoice) -> Quote:
        asks = _for_new_customers(promotions) or _for_new_customers(coupons.coupons)
        return quote(
            Cart(currency=lines[0].list_price.currency, lines=lines),
            promotions=promotions,
            coupons=coupons.coupons,
            customer=newcomer() if asks else customer,
            now=now,
            selected=coupons.selected,
            usage=usage,
            max_platform_coupons=settings.max_platform_coupons,
            max_shop_coupons=settings.max_shop_coupons,
            rounding=settings.rounding,
            shipping=config.shipping,
            destination=checkout.region(),
            shipping_method=checkout.shipping_method,
            points=offer,
            earning=config.earning,
            tiers=config.tiers,
        )

    currency = lines[0].list_price.currency
    subtotal = Money.from_minor(
        sum(line.price.minor_units * line.quantity for line in lines), currency
    )
    wallet, result = wallet_choice(uow, checkout, config, now=now, subtotal=subtotal, price=priced)
    return Priced(quote=result, configuration=config, products=products, wallet=wallet)


def _snapshots(products: Mapping[str, Product]) -> dict[str, ItemSnapshot]:
    return {
        sku_id: ItemSnapshot(
            product_id=product.id,
            product_name=product.name,
            spec=product.sku(sku_id).spec,
            shop_id=product.shop_id,
            no_reason_returns=product.no_reason_returns,
        )
        for sku_id, product in products.items()
    }


def _charges(priced: Priced, customer_id: str) -> list[tuple[Charge, int | None]]:
    """The usage the order counts, each with the limit its counter must stay within."""
    applied = {outcome.rule_id for outcome in priced.quote.adjustments()}
    charges: list[tuple[Charge, int | None]] = []
    for rule in _limited(priced.configuration.promotions):
        if isinstance(rule, FlashSale):
            units = sum(
                line.special_units for line in priced.quote.lines if line.price_rule == rule.id
            )
            if units:
                charges.append((Charge(counters.flash_units(rule.id), units), rule.allotment))
                charges.append(
                    (
                        Charge(counters.flash_units_by(rule.id, customer_id), units),
                        rule.per_customer,
                    )
                )
        if rule.id in applied:
            limits = rule.limits
            charges.append((Charge(counters.rule_uses(rule.id), 1), limits.total))
            charges.append(
                (Charge(counters.rule_uses_by(rule.id, customer_id), 1), limits.per_customer)
            )
    return charges


def _hold_stock(uow: UnitOfWork, order: Order, *, now: datetime) -> list[object]:
    """Hold every unit of ``order`` (gifts included) until its payment deadline, SKUs in order.

    The order is new, so it holds nothing yet: no hold of its own is looked up.
    """
    wanted: dict[str, int] = {}
    for line in order.lines:
        wanted[line.sku_id] = wanted.get(line.sku_id, 0) + line.quantity
    held: list[object] = []
    for sku_id in sorted(wanted):
        try:
            stock = uow.stocks.get(sku_id)
        except NotFound:
            raise OutOfStock(sku_id, wanted[sku_id], 0) from None
        hold = order.pay_by - now
        _, reserved = hold_stock(uow, stock, order.id, wanted[sku_id], now, hold=hold, held=None)
        held.extend(reserved)
    return held


def _gift_out_of_stock(uow: UnitOfWork, priced: Priced) -> Gift | None:
    """The first gift the quote added whose SKU cannot be held, or None."""
    gifts = {rule.gift_sku_id: rule for rule in priced.configuration.gifts()}
    for line in priced.quote.lines:
        if not line.gift:
            continue
        try:
            available = uow.stocks.get(line.sku_id).available
        except NotFound:
            available = 0
        wanted = sum(each.quantity for each in priced.quote.lines if each.sku_id == line.sku_id)
        if available < wanted and line.sku_id in gifts:
            return gifts[line.sku_id]
    return None


def place(
    uow: UnitOfWork,
    order_id: str,
    checkout: Checkout,
    *,
    now: datetime,
    shown: Money | None = None,
) -> tuple[Order, list[object], dict[str, Exception]]:
    """Place ``checkout`` as order ``order_id``: the order, its events, and the named refusals.

    The last value maps counter keys to the refusal a reached limit means
    (a picked coupon's limit: CouponUnavailable); a limit not named there
    (a flash sale's allotment, an automatically chosen coupon's) makes the
    caller price again. Raises DuplicateOrder for a taken id, PriceChanged
    when ``shown`` is not the payable, OutOfStock, CouponUnavailable; each
    changes nothing.
    """
    identifier("order_id", order_id)
    if checkout.consignee is None:
        raise InvalidValue("checkout.consignee", None, "is needed to place an order")
    read_ahead(uow, checkout, order_id=order_id)
    try:
        uow.orders.get(order_id)
    except NotFound:
        pass
    else:
        raise DuplicateOrder(order_id)
    priced = price(uow, checkout, now=now)
    gift = _gift_out_of_stock(uow, priced)
    if gift is not None:
        if priced.configuration.settings.gift_policy is GiftPolicy.REFUSE:
            raise OutOfStock(gift.gift_sku_id, gift.quantity, 0)
        priced = price(uow, checkout, now=now, without=frozenset({gift.id}))
    if shown is not None and shown != priced.quote.amount_due():
        raise PriceChanged(shown, priced.quote.amount_due())
    config = priced.configuration
    charges = _charges(priced, checkout.customer_id) + priced.wallet.charges
    order, placed = Order.place(
        order_id=order_id,
        customer_id=checkout.customer_id,
        quote=priced.quote,
        placed_at=now,
        pay_within=config.settings.payment_window,
        items=_snapshots(priced.products),
        consignee=checkout.consignee,
        shipping_method=_method(priced.quote),
        coupons=priced.wallet.order_coupons(priced.quote),
        charges=tuple(charge for charge, _ in charges),
        configuration_version=config.version,
        after_sales_window=config.settings.after_sales_window,
    )
    uow.orders.save(order)
    for charge, limit in charges:
        uow.counters.add(charge.key, charge.amount, limit=limit)
    locked = lock_order_coupons(uow, order, at=now)
    spent = spend_order_points(uow, order, at=now)
    # last: the stock rows are the hot ones, and on PostgreSQL reading them locks them until commit
    held = _hold_stock(uow, order, now=now)
    return order, [*placed, *held, *locked, *spent], priced.wallet.refusals


def _method(priced: Quote) -> str | None:
    freight = priced.freight
    return None if freight is None else freight.method_id
