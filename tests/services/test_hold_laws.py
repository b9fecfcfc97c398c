"""The checkout's hold rule, over any sequence of checkouts, payments, cancellations and time.

``hold_stock`` (services/_stock.py) reads and expires a SKU's lapsed holds
only when the units run short. Whatever the sequence, on stored state:

- a checkout is refused (OutOfStock) exactly when it wants more than
  ``on_hand`` less the units of the holds that have not lapsed: a lapsed
  hold never makes an order fail, and stock is never oversold;
- a checkout that is not short leaves every stored hold as it was;
- the stored holds add up to ``reserved``, and ``available`` is never
  negative;
- a payment takes its order's units (held again first when another
  checkout cleared its lapsed hold), and is refused only when that hold is
  gone and too few units are left, counted the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork
from mallcore.catalog import DEFAULT_HOLD as HOLD
from mallcore.catalog import Stock, StockHold
from mallcore.errors import OutOfStock
from mallcore.services._stock import _deduct, hold_stock

SKU = "tea"
START = datetime(2026, 11, 11, tzinfo=UTC)
QUANTITIES = st.integers(1, 6)
STEPS = st.sampled_from([timedelta(0), timedelta(minutes=7), timedelta(minutes=31)])


class HoldMachine(RuleBasedStateMachine):
    """Checkouts of one SKU on the in-memory store, judged against the holds it stores."""

    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryStore()
        self.now = START
        self.placed = 0
        self.orders: dict[str, int] = {}
        """Every order placed and not paid: its units."""

    @initialize(on_hand=st.integers(0, 12))
    def stock_the_sku(self, on_hand: int) -> None:
        with InMemoryUnitOfWork(self.store) as uow:
            uow.stocks.save(Stock.for_sku(SKU, on_hand))
            uow.commit()

    def _holds(self) -> dict[str, StockHold]:
        with InMemoryUnitOfWork(self.store) as uow:
            return {hold.order_id: hold for hold in uow.stock_holds.of_sku(SKU, limit=100)}

    def _stock(self) -> Stock:
        with InMemoryUnitOfWork(self.store) as uow:
            return uow.stocks.get(SKU)

    @rule(quantity=QUANTITIES, step=STEPS)
    def check_out(self, quantity: int, step: timedelta) -> None:
        self.now += step
        self.placed += 1
        order_id = f"O-{self.placed}"
        before, stock = self._holds(), self._stock()
        live = sum(h.quantity for h in before.values() if not h.has_lapsed(self.now))
        short = quantity > stock.available
        with InMemoryUnitOfWork(self.store) as uow:
            uow.lock()
            stored = uow.stocks.get(SKU)
            if quantity > stock.on_hand - live:
                with pytest.raises(OutOfStock):
                    hold_stock(uow, stored, order_id, quantity, self.now, hold=HOLD, held=None)
                return
            hold_stock(uow, stored, order_id, quantity, self.now, hold=HOLD, held=None)
            uow.commit()
        self.orders[order_id] = quantity
        after = self._holds()
        assert after[order_id].quantity == quantity
        if not short:
            assert {k: v for k, v in after.items() if k != order_id} == before

    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        if not self.orders:
            return
        order_id = data.draw(st.sampled_from(sorted(self.orders)))
        quantity = self.orders.pop(order_id)
        holds, stock = self._holds(), self._stock()
        live = sum(h.quantity for h in holds.values() if not h.has_lapsed(self.now))
        with InMemoryUnitOfWork(self.store) as uow:
            uow.lock()
            if order_id not in holds and quantity > stock.on_hand - live:
                with pytest.raises(OutOfStock):
                    _deduct(uow, order_id, {SKU: quantity}, at=self.now, hold=HOLD)
                return
            _deduct(uow, order_id, {SKU: quantity}, at=self.now, hold=HOLD)
            uow.commit()
        assert order_id not in self._holds()
        assert self._stock().on_hand == stock.on_hand - quantity

    @rule(step=STEPS)
    def wait(self, step: timedelta) -> None:
        self.now += step

    @invariant()
    def the_holds_add_up_to_reserved_and_nothing_is_oversold(self) -> None:
        stock = self._stock()
        assert stock.reserved == sum(hold.quantity for hold in self._holds().values())
        assert stock.available >= 0


HoldMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
TestHoldLaws = HoldMachine.TestCase
