"""Orders shared by the order tests: the tea-shop order of docs/orders.md."""

from __future__ import annotations

from datetime import UTC, datetime

from mallcore.money import Money
from mallcore.orders import Order
from mallcore.pricing import Cart, CartLine, Tier, TieredAmountOff, quote

PLACED = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def tea_order() -> Order:
    """2 tins of tea at 60.00 and a cup at 30.00, 满100减10 apportioned, 8.00 freight."""
    cart = Cart(
        currency="CNY",
        lines=[
            CartLine(
                line_id="tea",
                sku_id="tea-250g",
                product_id="tea",
                quantity=2,
                list_price=cny("60.00"),
            ),
            CartLine(
                line_id="cup",
                sku_id="cup-white",
                product_id="cup",
                quantity=1,
                list_price=cny("30.00"),
            ),
        ],
    )
    promotion = TieredAmountOff(id="full-100", tiers=[Tier(cny("100"), cny("10"))])
    priced = quote(cart, promotions=[promotion], now=PLACED)
    order, _ = Order.place(
        order_id="O-1", customer_id="alice", quote=priced, freight=cny("8.00"), placed_at=PLACED
    )
    return order
