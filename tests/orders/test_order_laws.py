"""Laws of the order aggregate, over orders in every state the lifecycle reaches."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from mallcore.money import total
from mallcore.orders import Order, OrderEvent, OrderStatus
from mallcore.serialization import converter, structure, unstructure
from mallcore.testing.strategies import orders


@given(orders())
def test_an_order_round_trips_through_json_able_data(order: Order) -> None:
    assert structure(unstructure(order), Order) == order


@given(orders())
def test_the_payable_is_every_unit_paid_plus_the_freight(order: Order) -> None:
    units = [amount for line in order.lines for amount in line.unit_payables]

    assert order.payable == total(units, order.currency) + order.freight


@given(orders(statuses=st.just(OrderStatus.AWAITING_PAYMENT)), st.integers(0, 48 * 60))
def test_expiry_cancels_exactly_the_orders_past_their_deadline(order: Order, minutes: int) -> None:
    now = order.placed_at + timedelta(minutes=minutes)

    expired, events = order.expire(now=now)

    assert (expired.status is OrderStatus.CANCELLED) == (now >= order.pay_by)
    assert len(events) == (1 if now >= order.pay_by else 0)


@given(orders(statuses=st.just(OrderStatus.COMPLETED)))
def test_a_completed_order_ships_every_unit_it_sold(order: Order) -> None:
    assert order.unshipped_quantities() == {}
    assert order.is_final()


@given(orders())
def test_order_events_round_trip_through_json_able_data(order: Order) -> None:
    at = order.placed_at + timedelta(days=1)
    _, events = (
        order.cancel(reason="customer asked", at=at)
        if (order.status is OrderStatus.AWAITING_PAYMENT)
        else order.complete_if_due(now=at + timedelta(days=30), after=timedelta(days=7))
    )

    data = [converter.unstructure(event, unstructure_as=OrderEvent) for event in events]

    assert [structure(item, OrderEvent) for item in data] == list(events)  # type: ignore[arg-type]
    assert {item["kind"] for item in data} <= {"order_status_changed"}
