"""Checkout: price a cart from the stored catalog and place the order, stock held.

The shopper sends SKU ids and quantities only; every price comes from the
host's own catalog (no trust in client-sent prices or amounts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from mallcore.catalog import CategoryTree
from mallcore.errors import InvalidValue
from mallcore.loyalty import EarningPolicy, RedemptionPolicy, TierProgram
from mallcore.orders import DEFAULT_PAYMENT_WINDOW, Order
from mallcore.ports import Clock, EventPublisher, UnitOfWork
from mallcore.pricing import Cart, Coupon, Customer, PointsOffer, Promotion, Quote, quote
from mallcore.pricing.from_catalog import cart_line
from mallcore.services._points import points_offer, spend_order_points
from mallcore.shipping import ShippingSetup

__all__ = ["place_order", "price_cart"]


def price_cart(
    *,
    uow: UnitOfWork,
    clock: Clock,
    customer: Customer,
    items: Mapping[str, int],
    promotions: Sequence[Promotion] = (),
    coupons: Sequence[Coupon] = (),
    categories: CategoryTree | None = None,
    shipping: ShippingSetup | None = None,
    destination: str | None = None,
    points: PointsOffer | None = None,
    earning: EarningPolicy | None = None,
    tiers: TierProgram | None = None,
) -> Quote:
    """Price ``items`` (SKU id -> quantity) at the catalog's prices now, for ``customer``.

    With a ``shipping`` set-up the quote carries the freight to
    ``destination`` (default: the customer's region); with ``points`` the
    shopper's points come off the goods; with ``earning`` the quote
    previews the points the order earns; with a member ``tiers`` programme
    the benefits of ``customer.tier`` apply. Raises NotFound for an
    unknown SKU and InvalidValue for one not on sale now.
    """
    now = clock.now()
    if not items:
        raise InvalidValue("items", items, "must name at least one SKU")
    lines = []
    for sku_id, quantity in items.items():
        product = uow.products.get_by_sku(sku_id)
        if not product.is_purchasable(now, sku_id):
            raise InvalidValue("items", sku_id, "is not on sale now")
        lines.append(
            cart_line(product, product.sku(sku_id), quantity=quantity, categories=categories)
        )
    cart = Cart(currency=lines[0].list_price.currency, lines=lines)
    return quote(
        cart,
        promotions=promotions,
        coupons=coupons,
        customer=customer,
        now=now,
        shipping=shipping,
        destination=destination,
        points=points,
        earning=earning,
        tiers=tiers,
    )


def place_order(
    *,
    uow: UnitOfWork,
    clock: Clock,
    events: EventPublisher,
    order_id: str,
    customer: Customer,
    items: Mapping[str, int],
    promotions: Sequence[Promotion] = (),
    coupons: Sequence[Coupon] = (),
    categories: CategoryTree | None = None,
    shipping: ShippingSetup | None = None,
    destination: str | None = None,
    pay_within: timedelta = DEFAULT_PAYMENT_WINDOW,
    points: RedemptionPolicy | None = None,
    points_requested: int | None = None,
    earning: EarningPolicy | None = None,
    tiers: TierProgram | None = None,
) -> Order:
    """Price ``items`` (freight included with ``shipping``), hold their stock, save the order.

    The stock is held until the payment deadline, ``pay_within`` from now.
    With a redemption policy in ``points``, the customer's stored points
    (``points_requested`` of them, or as many as the policy allows) come off
    the goods and are spent in the same transaction; the order remembers
    how many (``Order.points_used``). With an ``earning`` policy the order
    remembers the points it earns (``Order.points_to_earn``), fixed at
    checkout: held from payment, released at completion. With a member
    ``tiers`` programme the benefits of ``customer.tier`` apply (its
    discount, free shipping and points multiplier).

    All or nothing: OutOfStock for any SKU leaves every stock as it was.
    Placing an ``order_id`` that exists raises StaleVersion.
    """
    with uow:
        offer = (
            None
            if points is None
            else points_offer(uow, customer.id, points, requested=points_requested, at=clock.now())
        )
        priced = price_cart(
            uow=uow,
            clock=clock,
            customer=customer,
            items=items,
            promotions=promotions,
            coupons=coupons,
            categories=categories,
            shipping=shipping,
            destination=destination,
            points=offer,
            earning=earning,
            tiers=tiers,
        )
        now = clock.now()
        order, placed = Order.place(
            order_id=order_id,
            customer_id=customer.id,
            quote=priced,
            placed_at=now,
            pay_within=pay_within,
        )
        held: list[object] = []
        for sku_id, quantity in items.items():
            stock, reserved = uow.stocks.get(sku_id).reserve(
                order.id, quantity, now, hold=pay_within
            )
            uow.stocks.save(stock)
            held.extend(reserved)
        spend_order_points(uow, order, at=now)
        uow.orders.save(order)
        uow.commit()
    events.publish([*placed, *held])
    return order
