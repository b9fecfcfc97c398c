"""The order's axes: each table walked, the status they make, the history every move leaves."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import Enum
from typing import TypeVar

import pytest
from hypothesis import given

from mallcore.errors import IllegalTransition
from mallcore.orders import (
    FULFILMENT_AXIS,
    PAYMENT_AXIS,
    Actor,
    AxisMoved,
    FulfilmentState,
    Order,
    OrderMove,
    OrderStatus,
    PaymentState,
)
from mallcore.testing.strategies import orders
from tests.orders.conftest import PLACED, cny, tea_order

AT = PLACED + timedelta(minutes=3)


E = TypeVar("E", bound=Enum)


def _reachable(table: Mapping[E, frozenset[E]], start: E) -> set[E]:
    seen = {start}
    frontier = [start]
    while frontier:
        for target in table[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def _paid() -> Order:
    return tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=AT)[0]


def test_every_payment_state_is_reachable_and_refunded_is_final() -> None:
    assert _reachable(PAYMENT_AXIS, PaymentState.UNPAID) == set(PaymentState)
    assert PAYMENT_AXIS[PaymentState.REFUNDED] == frozenset()


def test_every_fulfilment_state_is_reachable_and_delivered_is_final() -> None:
    assert _reachable(FULFILMENT_AXIS, FulfilmentState.UNSHIPPED) == set(FulfilmentState)
    assert FULFILMENT_AXIS[FulfilmentState.DELIVERED] == frozenset()


@given(orders())
def test_the_stored_status_is_always_the_one_the_axes_make(order: Order) -> None:
    assert order.status is order.derived_status()


@given(orders())
def test_every_move_after_placing_is_in_the_history_one_per_version(order: Order) -> None:
    assert len(order.history) == order.version


def test_starting_fulfilment_moves_a_paid_order_to_preparing_once() -> None:
    preparing, events = _paid().start_fulfilment(at=AT)

    again, repeated = preparing.start_fulfilment(at=AT)

    assert preparing.fulfilment_state is FulfilmentState.PREPARING
    assert preparing.status is OrderStatus.PAID
    assert events == (AxisMoved("O-1", "fulfilment", "unshipped", "preparing", AT),)
    assert (again, repeated) == (preparing, ())


def test_an_unpaid_order_cannot_start_fulfilment() -> None:
    with pytest.raises(IllegalTransition, match="from awaiting_payment to preparing"):
        tea_order().start_fulfilment(at=AT)


def test_the_history_says_what_when_by_whom_and_why() -> None:
    shipped, _ = _paid().ship(waybill="SF1", carrier="SF", at=AT)
    done, _ = shipped.refund("R1", units={"tea": 1}, at=AT, reason="dented tin")

    assert done.history == (
        OrderMove(what="paid", at=AT, by=Actor.PAYMENT_PROVIDER, why="payment wx-1"),
        OrderMove(what="package SF1 shipped", at=AT, by=Actor.MERCHANT, why="SF"),
        OrderMove(what="refund R1", at=AT, by=Actor.MERCHANT, why="dented tin"),
    )
    assert done.payment_state is PaymentState.PARTIALLY_REFUNDED


def test_an_expired_order_is_cancelled_by_the_system() -> None:
    expired, _ = tea_order().expire(now=PLACED + timedelta(hours=1))

    assert expired.history[-1].by is Actor.SYSTEM
    assert expired.history[-1].why == "payment timeout"
