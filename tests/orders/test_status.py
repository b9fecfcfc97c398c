"""The order lifecycle table: every state reachable, final states final, moves outside refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import IllegalTransition
from mallcore.orders import TRANSITIONS, Order, OrderStatus
from mallcore.testing.strategies import orders

AT = datetime(2026, 11, 12, 9, tzinfo=UTC)
FINAL = {OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.CLOSED}


def test_every_state_is_reachable_from_awaiting_payment() -> None:
    seen = {OrderStatus.AWAITING_PAYMENT}
    frontier = [OrderStatus.AWAITING_PAYMENT]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)

    assert seen == set(OrderStatus)


def test_completed_cancelled_and_closed_are_the_final_states() -> None:
    assert {status for status, targets in TRANSITIONS.items() if not targets} == FINAL


def test_the_table_names_every_state() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


COMMANDS: dict[OrderStatus, Callable[[Order], Order]] = {
    OrderStatus.PAID: lambda o: o.pay(payment_id="P-new", amount=o.payable, at=AT)[0],
    OrderStatus.SHIPPED: lambda o: o.ship(waybill="SF-new", carrier="SF", at=AT)[0],
    OrderStatus.DELIVERED: lambda o: o.deliver(at=AT)[0],
    OrderStatus.COMPLETED: lambda o: o.complete(at=AT)[0],
    OrderStatus.CANCELLED: lambda o: o.cancel(reason="customer asked", at=AT)[0],
    OrderStatus.CLOSED: lambda o: o.refund(
        "R-all",
        units=o.refundable_quantities(),
        at=o.after_sales_until or AT,
        reason="refunded in full",
    )[0],
}
"""The command that leads to each state (nothing leads back to awaiting payment).

Refunding every unit left closes the order, except a completed one (it stays
completed) and a paid, partly shipped one (only its shipped units are left).
"""


@given(orders(), st.sampled_from(sorted(COMMANDS, key=lambda status: status.value)))
def test_a_move_outside_the_table_is_refused_and_a_move_lands_where_it_says(
    order: Order, target: OrderStatus
) -> None:
    try:
        moved = COMMANDS[target](order)
    except IllegalTransition:
        assert target not in TRANSITIONS[order.status] or target is OrderStatus.CLOSED
        return

    assert moved.status is order.status or moved.status in TRANSITIONS[order.status]
    if target is not OrderStatus.CLOSED:
        assert moved.status is target
    elif order.status is OrderStatus.COMPLETED:
        assert moved.status is OrderStatus.COMPLETED
    elif not (order.status is OrderStatus.PAID and order.shipments):
        assert moved.status is OrderStatus.CLOSED
