"""Laws of the Mall under random command sequences: limits never passed, counts that add up.

A Hypothesis state machine drives customers claiming coupons, placing orders
(picking a coupon or letting the shop choose), paying, cancelling and
letting orders time out, on the in-memory store, and checks after every step
that what storage counts is what the orders say, and that no limit is passed.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import timedelta

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork
from mallcore.coupons import CouponState, IssueLimits, UseLimits, counters
from mallcore.errors import CouponUnavailable, OutOfStock
from mallcore.money import Money
from mallcore.orders import OrderStatus
from mallcore.pricing import FlashSale
from mallcore.services import counters as promotion_counters
from tests.services.conftest import open_shop
from tests.services.test_wallet import TEN_OFF_100

CUSTOMERS = ("alice", "bob", "carol")
TEMPLATE = attrs.evolve(
    TEN_OFF_100, issue=IssueLimits(total=5, per_customer=2), use=UseLimits(total=3)
)
FLASH = FlashSale(id="flash-tea", price=Money("30.00", "CNY"), allotment=4, per_customer=2)
LIMITS = {
    counters.uses(TEMPLATE.id): 3,
    promotion_counters.flash_units(FLASH.id): 4,
    **{promotion_counters.flash_units_by(FLASH.id, customer): 2 for customer in CUSTOMERS},
}
"""Each counted limit of the shop, by counter key."""


class MallMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        store = InMemoryStore()
        self.shop = open_shop(lambda: InMemoryUnitOfWork(store))
        self.shop.configure(promotions=[FLASH])
        self.shop.mall.save_coupon_template(TEMPLATE)
        self.orders = 0

    @rule(customer=st.sampled_from(CUSTOMERS))
    def claim(self, customer: str) -> None:
        try:
            self.shop.mall.claim_coupon(customer, TEMPLATE.id)
        except CouponUnavailable as refused:
            reason = refused.reason
        else:
            return
        assert reason in ("issue_limit_reached", "already_claimed")

    @rule(customer=st.sampled_from(CUSTOMERS), tins=st.integers(1, 3), pick=st.booleans())
    def place(self, customer: str, tins: int, pick: bool) -> None:
        wallet = self.shop.mall.wallet(customer).usable
        coupons = (wallet[0].id,) if pick and wallet else None
        self.orders += 1
        checkout = attrs.evolve(
            self.shop.checkout({"tea": tins}, coupons=coupons), customer_id=customer
        )
        with contextlib.suppress(OutOfStock, CouponUnavailable):
            self.shop.mall.place_order(f"O-{self.orders}", checkout)

    def _waiting(self) -> list[str]:
        waiting = self.shop.mall.orders_with_status(OrderStatus.AWAITING_PAYMENT, limit=500)
        return [order.id for order in waiting]

    @precondition(lambda self: self.orders > 0)
    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        waiting = self._waiting()
        if waiting:
            self.shop.notify(*self.shop.payment(data.draw(st.sampled_from(waiting))))

    @precondition(lambda self: self.orders > 0)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        waiting = self._waiting()
        if waiting:
            self.shop.mall.cancel_order(data.draw(st.sampled_from(waiting)))

    @rule(minutes=st.integers(1, 40))
    def time_passes(self, minutes: int) -> None:
        self.shop.clock.advance(timedelta(minutes=minutes))
        self.shop.mall.cancel_overdue_orders()

    @invariant()
    def every_count_is_what_the_live_orders_charged_and_within_its_limit(self) -> None:
        live = [
            order
            for status in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID)
            for order in self.shop.mall.orders_with_status(status, limit=500)
        ]
        charged: Counter[str] = Counter()
        for order in live:
            for charge in order.charges:
                charged[charge.key] += charge.amount
        with self.shop.uow() as uow:
            counted = {key: uow.counters.value(key) for key in LIMITS}
            held = Counter(
                coupon.state
                for customer in CUSTOMERS
                for coupon in uow.coupons.of_customer(customer)
            )
        assert counted == {key: charged[key] for key in LIMITS}
        assert all(counted[key] <= limit for key, limit in LIMITS.items())
        assert held[CouponState.LOCKED] + held[CouponState.USED] == sum(
            len(order.coupons) for order in live
        )
        assert sum(held.values()) <= 5

    @invariant()
    def stock_adds_up(self) -> None:
        stock = self.shop.stock("tea")
        paid = sum(
            line.quantity
            for order in self.shop.mall.orders_with_status(OrderStatus.PAID, limit=500)
            for line in order.lines
        )
        assert stock.available >= 0
        assert stock.on_hand == 10 - paid


MallMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
TestMallLaws = MallMachine.TestCase
