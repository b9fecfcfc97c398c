"""Stock laws over any sequence of commands, under both policies.

- ``on_hand``, ``available`` never negative; ``reserved`` never above ``on_hand``;
- Stock agrees with a plain model of the rules written with dicts, refusals included;
- units are conserved: first ``on_hand`` + restocked + counted = ``on_hand`` + units taken
  by unpaid orders + units of the paid orders' movements;
- the holds kept beside the stock (added and removed as its events say) add up to
  ``reserved``;
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
    ReservationExpired,
    Stock,
    StockCounted,
    StockDeducted,
    StockEvent,
    StockHold,
    StockMovement,
    StockPolicy,
    StockReleased,
    StockReserved,
    StockRestocked,
)
from mallcore.errors import IllegalTransition, InvalidValue, MallcoreError, NotFound, OutOfStock
from mallcore.testing.strategies import aware_datetimes, stocks_with_holds

START = datetime(2026, 11, 11, tzinfo=UTC)
ORDERS = st.sampled_from(["O-1", "O-2", "O-3", "O-4"])
QUANTITIES = st.integers(1, 6)
HOLDS = st.integers(1, 120).map(lambda minutes: timedelta(minutes=minutes))
STEPS = st.integers(0, 90).map(lambda minutes: timedelta(minutes=minutes))
STORED_ALONGSIDE = {"held", "lapsed", "recorded"}
"""What a stock command takes from storage beside the stock; the model keeps its own."""


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
    """Drives one Stock, its stored holds and the plain model through the same commands."""

    def __init__(self) -> None:
        super().__init__()
        self.stock = Stock("SKU-1", on_hand=0)
        self.model = _Model(StockPolicy.DEDUCT_ON_PAYMENT, 0)
        self.now = START
        self.first_on_hand = 0
        self.added = 0
        self.holds: dict[str, StockHold] = {}
        self.movements: dict[str, StockMovement] = {}

    @initialize(policy=st.sampled_from(StockPolicy), on_hand=st.integers(0, 10))
    def start(self, policy: StockPolicy, on_hand: int) -> None:
        self.stock = Stock("SKU-1", on_hand=on_hand, policy=policy)
        self.model = _Model(policy, on_hand)
        self.first_on_hand = on_hand

    def _lapsed(self) -> list[StockHold]:
        return [hold for hold in self.holds.values() if hold.has_lapsed(self.now)]

    def _apply(self, command: str, *args: Any, **kwargs: Any) -> None:
        before = self.stock
        saved = (self.model.on_hand, dict(self.model.holds), dict(self.model.taken))
        model_kwargs = {
            name: value for name, value in kwargs.items() if name not in STORED_ALONGSIDE
        }
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
        self._record(events)
        self.stock = after

    def _record(self, events: tuple[StockEvent, ...]) -> None:
        """What storage keeps beside the stock (services/_stock.py ``record``)."""
        for event in events:
            if isinstance(event, StockReserved):
                self.holds[event.order_id] = StockHold.of(event)
            if isinstance(event, StockReleased | ReservationExpired | StockDeducted):
                del self.holds[event.order_id]
            if isinstance(event, StockDeducted):
                self.movements[event.order_id] = StockMovement.of(event, at=self.now)
            if isinstance(event, StockRestocked):
                self.added += event.quantity
            if isinstance(event, StockCounted):
                self.added += event.after - event.before

    @rule(order=ORDERS, quantity=QUANTITIES, hold=HOLDS, step=STEPS)
    def reserve(self, order: str, quantity: int, hold: timedelta, step: timedelta) -> None:
        self.now += step
        if order not in self.movements:  # a paid order is never reserved again
            self._apply(
                "reserve",
                order,
                quantity,
                self.now,
                hold=hold,
                held=self.holds.get(order),
                lapsed=self._lapsed(),
            )

    @rule(order=ORDERS)
    def release(self, order: str) -> None:
        self._apply(
            "release", order, held=self.holds.get(order), recorded=self.movements.get(order)
        )

    @rule(order=ORDERS)
    def deduct(self, order: str) -> None:
        self._apply("deduct", order, held=self.holds.get(order), recorded=self.movements.get(order))

    @rule(step=STEPS)
    def expire(self, step: timedelta) -> None:
        self.now += step
        self.model.expire(self.now)
        before = self.stock
        self.stock, events = before.expire(self.now, self._lapsed())
        self._record(events)
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
    def stock_and_its_holds_agree_with_the_model(self) -> None:
        assert self.stock.on_hand == self.model.on_hand
        reserving = self.stock.policy is StockPolicy.DEDUCT_ON_PAYMENT
        held = {o: (h.quantity, h.expires_at) for o, h in self.holds.items()}
        assert (held if reserving else {}) == self.model.holds
        assert ({} if reserving else {o: q for o, (q, _) in held.items()}) == self.model.taken
        assert {o: m.quantity for o, m in self.movements.items()} == self.model.paid
        assert self.stock.reserved == (sum(q for q, _ in held.values()) if reserving else 0)

    @invariant()
    def stock_never_goes_negative(self) -> None:
        assert self.stock.on_hand >= 0
        assert 0 <= self.stock.reserved <= self.stock.on_hand
        assert self.stock.available >= 0

    @invariant()
    def units_are_conserved(self) -> None:
        taken = 0 if self.stock.policy is StockPolicy.DEDUCT_ON_PAYMENT else self._held_units()
        gone = sum(movement.quantity for movement in self.movements.values())
        assert self.first_on_hand + self.added == self.stock.on_hand + taken + gone

    def _held_units(self) -> int:
        return sum(hold.quantity for hold in self.holds.values())


StockMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30)
TestStockCommands = StockMachine.TestCase


def _by_order(holds: tuple[StockHold, ...]) -> dict[str, StockHold]:
    return {hold.order_id: hold for hold in holds}


@given(stocks_with_holds(), st.sampled_from(["O-new", "O-1"]), QUANTITIES, aware_datetimes())
def test_reserving_twice_is_the_same_as_reserving_once(
    stored: tuple[Stock, tuple[StockHold, ...]], order: str, quantity: int, now: datetime
) -> None:
    stock, holds = stored
    lapsed = [hold for hold in holds if hold.has_lapsed(now)]
    try:
        once, events = stock.reserve(
            order, quantity, now, held=_by_order(holds).get(order), lapsed=lapsed
        )
    except MallcoreError:
        return
    made = [StockHold.of(event) for event in events if isinstance(event, StockReserved)]
    held = made[0] if made else _by_order(holds)[order]

    twice, again = once.reserve(order, quantity, now, held=held)

    assert twice == once
    assert again == ()


@given(stocks_with_holds(), aware_datetimes())
def test_expire_gives_back_exactly_the_lapsed_units(
    stored: tuple[Stock, tuple[StockHold, ...]], now: datetime
) -> None:
    stock, holds = stored
    lapsed = [hold for hold in holds if hold.has_lapsed(now)]

    expired, events = stock.expire(now, lapsed)

    assert all(isinstance(event, ReservationExpired) for event in events)
    assert {(e.order_id, e.quantity) for e in events if isinstance(e, ReservationExpired)} == {
        (hold.order_id, hold.quantity) for hold in lapsed
    }
    assert expired.available == stock.available + sum(hold.quantity for hold in lapsed)
    assert expired.on_hand == stock.on_hand


@given(stocks_with_holds(), ORDERS, QUANTITIES, aware_datetimes())
def test_a_reservation_never_takes_more_than_is_available(
    stored: tuple[Stock, tuple[StockHold, ...]], order: str, quantity: int, now: datetime
) -> None:
    stock, holds = stored
    lapsed = [hold for hold in holds if hold.has_lapsed(now)]
    fresh, _ = stock.expire(now, lapsed)
    held = _by_order(holds).get(order)
    if held is not None and held.has_lapsed(now):
        held = None
    if held is not None and held.quantity != quantity:
        return

    if held is None and quantity > fresh.available:
        with pytest.raises(OutOfStock):
            stock.reserve(order, quantity, now, lapsed=lapsed)
        return
    reserved, _ = stock.reserve(order, quantity, now, held=held, lapsed=lapsed)

    assert reserved.available == fresh.available - (0 if held else quantity)
