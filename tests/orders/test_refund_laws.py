"""Laws of after-sales refunds, over orders in every refundable state and any units left."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mallcore.money import Money, total
from mallcore.orders import Order, OrderEvent, OrderStatus
from mallcore.serialization import converter, structure, unstructure
from mallcore.testing.strategies import orders, refund_requests

REFUNDABLE = st.sampled_from(
    [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED]
)


def _within_after_sales(order: Order) -> datetime:
    """A moment after every step of ``order`` and within its after-sales window."""
    return order.after_sales_until or order.placed_at + timedelta(days=10)


def _refund_all(order: Order) -> Order:
    """Refund, one refund per pass, whatever is left until nothing is (a partly shipped paid
    order ships on the way, then its shipped units are refunded too)."""
    at = _within_after_sales(order)
    for n in range(3):
        left = order.refundable_quantities()
        if not left:
            break
        order, _ = order.refund(f"R-all-{n}", units=left, at=at, reason="everything back")
    return order


@given(orders(statuses=REFUNDABLE), st.data())
def test_the_refunds_never_exceed_what_was_paid(order: Order, data: st.DataObject) -> None:
    at = _within_after_sales(order)
    for n in range(3):
        units = data.draw(refund_requests(order))
        if not units:
            break
        order, _ = order.refund(f"R{n}", units=units, at=at, reason="return")

    assert order.refunded <= order.payable
    assert order.refunded_freight() <= order.freight


@given(orders(statuses=REFUNDABLE), st.data())
def test_a_refund_returns_exactly_what_was_paid_for_the_units_it_names(
    order: Order, data: st.DataObject
) -> None:
    units = data.draw(refund_requests(order))
    if not units:
        return

    refunded, _ = order.refund("R1", units=units, at=order.placed_at, reason="return")

    refund = refunded.refunds[-1]
    assert refund.quantities() == units
    for part in refund.units:
        assert not Counter(part.amounts) - Counter(order.line(part.line_id).unit_payables)
    amounts = [amount for part in refund.units for amount in part.amounts]
    assert refund.amount == total(amounts, order.currency) + refund.freight
    assert refunded.refunded == order.refunded + refund.amount


@given(orders(statuses=REFUNDABLE))
def test_refunding_every_unit_refunds_exactly_the_goods_payable(order: Order) -> None:
    refunded = _refund_all(order)

    goods = total((refund.goods for refund in refunded.refunds), order.currency)
    assert goods == order.goods_payable
    assert refunded.refundable_quantities() == {}
    if order.status is not OrderStatus.COMPLETED:
        assert refunded.status is OrderStatus.CLOSED


@given(orders(statuses=REFUNDABLE), st.data())
def test_a_refund_applied_twice_is_applied_once(order: Order, data: st.DataObject) -> None:
    units = data.draw(refund_requests(order))
    if not units:
        return
    once, _ = order.refund("R1", units=units, at=order.placed_at, reason="return")

    twice, events = once.refund("R1", units=units, at=order.placed_at, reason="return")

    assert (twice, events) == (once, ())


@given(orders(statuses=REFUNDABLE), st.data())
def test_an_order_with_refunds_and_its_refund_events_round_trip(
    order: Order, data: st.DataObject
) -> None:
    units = data.draw(refund_requests(order))
    if not units:
        return
    refunded, events = order.refund(
        "R1", units=units, at=order.placed_at, reason="return", freight=Money.zero(order.currency)
    )

    data_events = [converter.unstructure(event, unstructure_as=OrderEvent) for event in events]

    assert structure(unstructure(refunded), Order) == refunded
    assert [structure(item, OrderEvent) for item in data_events] == list(events)  # type: ignore[arg-type]
    assert data_events[0]["kind"] == "order_refunded"
