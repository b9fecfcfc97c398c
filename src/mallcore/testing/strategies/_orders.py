"""Strategies for orders: lines at the prices paid, and orders in every state of their lifecycle."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from mallcore.money import Money, currency_exponent
from mallcore.orders import Order, OrderLine, OrderStatus
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._money import currencies

__all__ = ["order_lines", "orders", "refund_requests"]


def _unit_amounts(currency: str) -> st.SearchStrategy[Money]:
    top = 1000 * 10 ** currency_exponent(currency)
    return st.integers(0, top).map(lambda minor: Money.from_minor(minor, currency))


@st.composite
def order_lines(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    line_id: str | None = None,
    max_quantity: int = 5,
) -> OrderLine:
    """An order line of 1 to ``max_quantity`` units, each with what was paid for it."""
    code = currency if currency is not None else draw(currencies())
    quantity = draw(st.integers(1, max_quantity))
    return OrderLine(
        line_id=line_id if line_id is not None else draw(st.sampled_from("ABCDEFGH")),
        sku_id=draw(st.sampled_from(["tea-250g", "cup-white", "pot-clay", "tray"])),
        quantity=quantity,
        unit_payables=draw(st.lists(_unit_amounts(code), min_size=quantity, max_size=quantity)),
        gift=draw(st.booleans()),
    )


_PATHS = {
    OrderStatus.AWAITING_PAYMENT: (),
    OrderStatus.PAID: ("pay",),
    OrderStatus.SHIPPED: ("pay", "ship"),
    OrderStatus.DELIVERED: ("pay", "ship", "deliver"),
    OrderStatus.COMPLETED: ("pay", "ship", "deliver", "complete"),
    OrderStatus.CANCELLED: ("cancel",),
    OrderStatus.CLOSED: ("pay", "refund all"),
}


@st.composite
def orders(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    statuses: st.SearchStrategy[OrderStatus] | None = None,
    min_lines: int = 1,
    max_lines: int = 4,
) -> Order:
    """Orders in a status drawn from ``statuses`` (all by default), reached by real commands.

    A PAID order may be partly shipped; a shipped, delivered or completed
    one may have had a unit refunded; a CLOSED one was refunded whole before
    shipping. Each order is placed and then moved
    through :class:`~mallcore.orders.Order`'s own commands, so every field is
    one the lifecycle can produce.
    """
    code = currency if currency is not None else draw(currencies())
    count = draw(st.integers(min_lines, max_lines))
    lines = [draw(order_lines(code, line_id=f"L{index + 1}")) for index in range(count)]
    placed_at = draw(aware_datetimes())
    order = Order(
        id=draw(st.from_regex(r"\AO-[0-9]{1,8}\Z")),
        customer_id=draw(st.sampled_from(["alice", "bob", "chen", "dong"])),
        currency=code,
        lines=lines,
        freight=draw(_unit_amounts(code)),
        placed_at=placed_at,
        pay_by=placed_at + timedelta(minutes=draw(st.integers(1, 24 * 60))),
        points_to_earn=draw(st.integers(0, 500)),
    )
    status = draw(statuses if statuses is not None else st.sampled_from(OrderStatus))
    at = placed_at
    for step in _PATHS[status]:
        at += timedelta(minutes=draw(st.integers(0, 60 * 24)))
        if step == "pay":
            order, _ = order.pay(payment_id=f"P-{order.id}", amount=order.payable, at=at)
        elif step == "ship":
            order, _ = order.ship(waybill=f"SF{order.id[2:]}", carrier="SF", at=at)
        elif step == "deliver":
            order, _ = order.deliver(at=at)
        elif step == "complete":
            order, _ = order.complete(at=at)
        elif step == "cancel":
            order, _ = order.cancel(reason="changed my mind", at=at)
        else:
            everything = {line.line_id: line.quantity for line in order.lines}
            order, _ = order.refund("R-ALL", units=everything, at=at, reason="out of stock")
    units = sum(line.quantity for line in order.lines)
    if status is OrderStatus.PAID and units > 1 and draw(st.booleans()):
        at += timedelta(minutes=draw(st.integers(0, 60)))
        order, _ = order.ship(waybill="SF-PART", carrier="SF", at=at, items={"L1": 1})
    elif status in _AFTER_SHIPPING and units > 1 and draw(st.booleans()):
        at += timedelta(minutes=draw(st.integers(0, 60 * 24)))
        order, _ = order.refund("R-PART", units={"L1": 1}, at=at, reason="damaged in transit")
    return order


_AFTER_SHIPPING = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})


@st.composite
def refund_requests(draw: st.DrawFn, order: Order) -> dict[str, int]:
    """Units of ``order`` a refund may return now (line id -> count), at least one unit.

    Empty when nothing is left to refund (``order.refundable_quantities()``).
    """
    left = order.refundable_quantities()
    if not left:
        return {}
    line_ids = draw(st.lists(st.sampled_from(sorted(left)), min_size=1, unique=True))
    return {line_id: draw(st.integers(1, left[line_id])) for line_id in line_ids}
