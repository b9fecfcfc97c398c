"""Stock laws over any sequence of commands, under both policies.

- ``on_hand``, ``available`` never negative; ``reserved`` never above ``on_hand``;
- units are conserved: first ``on_hand`` + restocked = ``on_hand`` + units deducted;
- a command that produced events bumped the version by one, one that did not kept it;
- reserving is idempotent; expiring never releases a hold that has not lapsed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mallcore.catalog import Stock, StockPolicy, StockRestocked
from mallcore.errors import IllegalTransition, MallcoreError, NotFound, OutOfStock
from mallcore.testing.strategies import aware_datetimes, stock_levels

START = datetime(2026, 11, 11, tzinfo=UTC)
ORDERS = st.sampled_from(["O-1", "O-2", "O-3", "O-4"])
QUANTITIES = st.integers(1, 6)
HOLDS = st.integers(1, 120).map(lambda minutes: timedelta(minutes=minutes))
STEPS = st.integers(0, 90).map(lambda minutes: timedelta(minutes=minutes))


class StockMachine(RuleBasedStateMachine):
    """Drives one Stock through random commands and checks the laws after each."""

    def __init__(self) -> None:
        super().__init__()
        self.stock = Stock("SKU-1", on_hand=0)
        self.now = START
        self.first_on_hand = 0
        self.restocked = 0

    @initialize(policy=st.sampled_from(StockPolicy), on_hand=st.integers(0, 10))
    def start(self, policy: StockPolicy, on_hand: int) -> None:
        self.stock = Stock("SKU-1", on_hand=on_hand, policy=policy)
        self.first_on_hand = on_hand

    def _apply(self, command: str, *args: object, **kwargs: object) -> None:
        before = self.stock
        try:
            after, events = getattr(before, command)(*args, **kwargs)
        except (OutOfStock, NotFound, IllegalTransition, MallcoreError):
            assert self.stock == before
            return
        assert after.version == before.version + (1 if events else 0)
        if not events:
            assert after == before
        self.restocked += sum(e.quantity for e in events if isinstance(e, StockRestocked))
        self.stock = after

    @rule(order=ORDERS, quantity=QUANTITIES, hold=HOLDS)
    def reserve(self, order: str, quantity: int, hold: timedelta) -> None:
        self._apply("reserve", order, quantity, self.now, hold=hold)

    @rule(order=ORDERS)
    def release(self, order: str) -> None:
        self._apply("release", order)

    @rule(order=ORDERS)
    def deduct(self, order: str) -> None:
        self._apply("deduct", order)

    @rule(step=STEPS)
    def expire(self, step: timedelta) -> None:
        self.now += step
        self._apply("expire", self.now)

    @rule(quantity=QUANTITIES)
    def restock(self, quantity: int) -> None:
        self._apply("restock", quantity)

    @invariant()
    def stock_never_goes_negative(self) -> None:
        assert self.stock.on_hand >= 0
        assert 0 <= self.stock.reserved <= self.stock.on_hand
        assert self.stock.available >= 0

    @invariant()
    def units_are_conserved(self) -> None:
        taken = sum(d.quantity for d in self.stock.deductions)
        assert self.first_on_hand + self.restocked == self.stock.on_hand + taken


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
