"""Stock laws over any sequence of commands, under both policies.

- ``on_hand``, ``available`` never negative; ``reserved`` never above ``on_hand``;
- Stock agrees with a plain model of the rules written with dicts, refusals included;
- units are conserved: first ``on_hand`` + restocked + counted = ``on_hand`` + units taken
  by unpaid orders + units of the paid orders' movements;
- a command that produced events bumped the version by one, one that did not kept it;
- reserving is idempotent; expiring never releases a hold that has not lapsed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mallcore.catalog import (
    Stock,
    StockCounted,
    StockDeducted,
    StockMovement,
    StockPolicy,
    StockRestocked,
)
from mallcore.errors import IllegalTransition, InvalidValue, MallcoreError, NotFound, OutOfStock
from mallcore.testing.strategies import aware_datetimes, stock_levels

START = datetime(2026, 11, 11, tzinfo=UTC)
ORDERS = st.sampled_from(["O-1", "O-2", "O-3", "O-4"])
QUANTITIES = st.integers(1, 6)
HOLDS = st.integers(1, 120).map(lambda minutes: timedelta(minutes=minutes))
STEPS = st.integers(0, 90).map(lambda minutes: timedelta(minutes=minutes))


class _Model:
    """The stock rules written the plain way, with dicts, to check Stock against."""

    def __init__(self, policy: StockPolicy, on_hand: int) -> None:
        self.policy = policy
        self.on_hand = on_hand
        self.holds: dict[str, tuple[int, datetime]] = {}
        self.taken: dict[str, int] = {}
        self.paid: dict[str, int] = {}

    def expire(self, now: datetime) -> None:
        self.holds = {o: h for o, h in self.holds.items() if h[1] > now}

    def reserve(self, order: str, quantity: int, now: datetime, *, hold: timedelta) -> None:
        self.expire(now)
        held = self.holds[order][0] if order in self.holds else self.taken.get(order)
        if held is not None:
            if held != quantity:
                raise InvalidValue("quantity", quantity, "already held")
            return
        if quantity > self.on_hand - sum(q for q, _ in self.holds.values()):
            raise OutOfStock("SKU-1", quantity, 0)
        if self.policy is StockPolicy.DEDUCT_ON_PAYMENT:
            self.holds[order] = (quantity, now + hold)
        else:
            self.on_hand -= quantity
            self.taken[order] = quantity

    def release(self, order: str) -> None:
        if order in self.paid:
            raise IllegalTransition("stock", order, "deducted", "released")
        if order in self.holds:
            del self.holds[order]
        elif order in self.taken:
            self.on_hand += self.taken.pop(order)

    def deduct(self, order: str) -> None:
        if order in self.paid:
            return
        if order in self.holds:
            quantity, _ = self.holds.pop(order)
            self.on_hand -= quantity
            self.paid[order] = quantity
        elif order in self.taken:
            self.paid[order] = self.taken.pop(order)
        else:
            raise NotFound("reservation", order)

    def count(self, on_hand: int) -> None:
        if on_hand < sum(q for q, _ in self.holds.values()):
            raise InvalidValue("on_hand", on_hand, "below the held units")
        self.on_hand = on_hand


class StockMachine(RuleBasedStateMachine):
    """Drives one Stock and the plain model through the same commands; they must agree."""

    def __init__(self) -> None:
        super().__init__()
        self.stock = Stock("SKU-1", on_hand=0)
        self.model = _Model(StockPolicy.DEDUCT_ON_PAYMENT, 0)
        self.now = START
        self.first_on_hand = 0
        self.added = 0
        self.movements: dict[str, StockMovement] = {}

    @initialize(policy=st.sampled_from(StockPolicy), on_hand=st.integers(0, 10))
    def start(self, policy: StockPolicy, on_hand: int) -> None:
        self.stock = Stock("SKU-1", on_hand=on_hand, policy=policy)
        self.model = _Model(policy, on_hand)
        self.first_on_hand = on_hand

    def _apply(self, command: str, *args: Any, **kwargs: Any) -> None:
        before = self.stock
        saved = (self.model.on_hand, dict(self.model.holds), dict(self.model.taken))
        model_kwargs = {name: value for name, value in kwargs.items() if name != "recorded"}
        expected: type[Exception] | None = None
        try:
            getattr(self.model, command)(*args, **model_kwargs)
        except MallcoreError as refused:
            expected = type(refused)
            self.model.on_hand, self.model.holds, self.model.taken = saved
        if expected is not None:
            with pytest.raises(expected):
                getattr(before, command)(*args, **kwargs)
            return
        after, events = getattr(before, command)(*args, **kwargs)
        assert after.version == before.version + (1 if events else 0)
        if not events:
            assert after == before
        for event in events:
            if isinstance(event, StockDeducted):
                self.movements[event.order_id] = StockMovement.of(event, at=self.now)
            if isinstance(event, StockRestocked):
                self.added += event.quantity
            if isinstance(event, StockCounted):
                self.added += event.after - event.before
        self.stock = after

    @rule(order=ORDERS, quantity=QUANTITIES, hold=HOLDS, step=STEPS)
    def reserve(self, order: str, quantity: int, hold: timedelta, step: timedelta) -> None:
        self.now += step
        if order not in self.movements:  # a paid order is never reserved again
            self._apply("reserve", order, quantity, self.now, hold=hold)

    @rule(order=ORDERS)
    def release(self, order: str) -> None:
        self._apply("release", order, recorded=self.movements.get(order))

    @rule(order=ORDERS)
    def deduct(self, order: str) -> None:
        self._apply("deduct", order, recorded=self.movements.get(order))

    @rule(step=STEPS)
    def expire(self, step: timedelta) -> None:
        self.now += step
        self.model.expire(self.now)
        before = self.stock
        self.stock, events = before.expire(self.now)
        assert self.stock.version == before.version + (1 if events else 0)

    @rule(quantity=QUANTITIES)
    def restock(self, quantity: int) -> None:
        self.model.on_hand += quantity
        self.stock, _ = self.stock.restock(quantity)
        self.added += quantity

    @rule(on_hand=st.integers(0, 20))
    def count(self, on_hand: int) -> None:
        self._apply("count", on_hand)

    @invariant()
    def stock_agrees_with_the_model(self) -> None:
        assert self.stock.on_hand == self.model.on_hand
        assert {r.order_id: (r.quantity, r.expires_at) for r in self.stock.reservations} == (
            self.model.holds
        )
        assert {d.order_id: d.quantity for d in self.stock.deductions} == self.model.taken
        assert {o: m.quantity for o, m in self.movements.items()} == self.model.paid

    @invariant()
    def stock_never_goes_negative(self) -> None:
        assert self.stock.on_hand >= 0
        assert 0 <= self.stock.reserved <= self.stock.on_hand
        assert self.stock.available >= 0

    @invariant()
    def units_are_conserved(self) -> None:
        taken = sum(d.quantity for d in self.stock.deductions)
        gone = sum(movement.quantity for movement in self.movements.values())
        assert self.first_on_hand + self.added == self.stock.on_hand + taken + gone


StockMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30)
TestStockCommands = StockMachine.TestCase


@given(stock_levels(), st.sampled_from(["O-new", "O-1"]), QUANTITIES, aware_datetimes())
def test_reserving_twice_is_the_same_as_reserving_once(
    stock: Stock, order: str, quantity: int, now: datetime
) -> None:
    try:
        once, _ = stock.reserve(order, quantity, now)
    except (OutOfStock, MallcoreError):
        return

    twice, events = once.reserve(order, quantity, now)

    assert twice == once
    assert events == ()


@given(stock_levels(), aware_datetimes())
def test_expire_never_releases_a_hold_that_has_not_lapsed(stock: Stock, now: datetime) -> None:
    expired, _ = stock.expire(now)

    kept = {r.order_id for r in expired.reservations}
    unlapsed = {r.order_id for r in stock.reservations if not r.has_lapsed(now)}
    assert kept == unlapsed
    assert expired.on_hand == stock.on_hand


@given(stock_levels(), ORDERS, QUANTITIES, aware_datetimes())
def test_a_reservation_never_takes_more_than_is_available(
    stock: Stock, order: str, quantity: int, now: datetime
) -> None:
    fresh, _ = stock.expire(now)
    held = fresh.held_for(order)
    if held and held != quantity:
        return

    if not held and quantity > fresh.available:
        with pytest.raises(OutOfStock):
            stock.reserve(order, quantity, now)
        return
    reserved, _ = stock.reserve(order, quantity, now)

    assert reserved.available == fresh.available - (0 if held else quantity)
