"""Laws of the order aggregate, over orders in every state the lifecycle reaches."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import attrs
from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import IllegalTransition, InvalidValue, RefundRefused
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


def _readings(order: Order) -> tuple[object, ...]:
    return (
        order.shipped_quantities(),
        order.unshipped_quantities(),
        order.refunded_quantities(),
        order.refundable_quantities(),
        order.refunded_freight(),
        order.goods_payable,
        order.refunded,
        order.payment_state,
        order.fulfilment_state,
        order.derived_status(),
    )


@given(
    orders(),
    st.lists(
        st.sampled_from(["pay", "ship one", "ship rest", "deliver", "refund one", "refund rest"]),
        max_size=8,
    ),
)
def test_an_order_a_command_built_reads_as_the_same_order_checked_whole(
    order: Order, steps: list[str]
) -> None:
    """Commands skip the whole-order check and carry their tally: neither may drift."""
    at = order.placed_at + timedelta(minutes=5)
    for n, step in enumerate(steps):
        with contextlib.suppress(IllegalTransition, InvalidValue, RefundRefused):
            if step == "pay":
                order, _ = order.pay(payment_id="P-law", amount=order.payable, at=at)
            elif step in ("ship one", "ship rest"):
                left = order.unshipped_quantities()
                items = dict(list(left.items())[:1]) if step == "ship one" else None
                order, _ = order.ship(waybill=f"W{n}", carrier="SF", at=at, items=items)
            elif step == "deliver" and order.shipments:
                order, _ = order.deliver_package(order.shipments[-1].waybill, at=at)
            elif step == "refund one":
                line_id = next(iter(order.refundable_quantities()), "none")
                order, _ = order.refund(f"R{n}", units={line_id: 1}, at=at, reason="law")
            elif step == "refund rest":
                units = order.refundable_quantities()
                order, _ = order.refund(f"R{n}", units=units, at=at, reason="law")
        checked = attrs.evolve(order)  # built from outside: checked whole, summed afresh

        assert checked == order
        assert _readings(checked) == _readings(order)
