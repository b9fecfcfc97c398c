"""Random interleavings of customer, merchant, courier, payment and job commands keep every law.

A Hypothesis state machine drives one shop through the Mall, on every storage
adapter (memory, SQLite, PostgreSQL; a new store for each example): placing,
paying (the right amount, a wrong one, a notification twice), preparing,
shipping in packages, courier scans, refunds, cancellations, after-sales
cases, receipt, and the clock with the jobs. After every step:

- no order, and no payment, ever returns more than was paid;
- every unit is refunded at most once;
- what the gateway paid back for a payment is what its record says;
- each order's status is the one its axes make, one history entry per version;
- a refused command changed nothing stored.

The examples are fewer on SQLite and PostgreSQL (:data:`SETTINGS`), where a
step costs a transaction and each refusal a dump of every table.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Final

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mallcore.errors import (
    IllegalTransition,
    InvalidValue,
    NotFound,
    OutOfStock,
    RefundRefused,
)
from mallcore.money import Money
from mallcore.orders import CaseKind, CaseStatus, Order
from mallcore.ports import TrackingStatus
from tests.postgres_server import fresh_schema
from tests.services.conftest import (
    ADAPTERS,
    Dump,
    Storage,
    memory_storage,
    open_shop,
    postgres_storage,
    sqlite_storage,
)

REFUSALS = (IllegalTransition, InvalidValue, OutOfStock, RefundRefused)
"""The business refusals a random command may meet; anything else fails the test."""


SETTINGS: Final = {
    "memory": settings(
        max_examples=50,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "sqlite": settings(
        max_examples=15,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
    "postgres": settings(
        max_examples=10,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    ),
}
"""Explicit, whatever the profile: about 50 examples of 30 steps in memory, fewer on disk."""

Opener = Callable[[contextlib.ExitStack[bool | None]], tuple[Storage, Dump]]
"""Opens a new, empty store for one example; what it opens closes with the stack."""


def opener(adapter: str, server: str | None) -> Opener:
    """A new store of ``adapter`` per example: a SQLite file in a new folder, a new schema."""

    def open_storage(closing: contextlib.ExitStack[bool | None]) -> tuple[Storage, Dump]:
        if adapter == "postgres":
            assert server is not None
            storage, dump, close = postgres_storage(closing.enter_context(fresh_schema(server)))
            closing.callback(close)
            return storage, dump
        folder = Path(closing.enter_context(tempfile.TemporaryDirectory()))
        return (sqlite_storage if adapter == "sqlite" else memory_storage)(folder)

    return open_storage


class OrderMachine(RuleBasedStateMachine):
    def __init__(self, open_storage: Opener) -> None:
        super().__init__()
        self.closing = contextlib.ExitStack()
        storage, dump = open_storage(self.closing)
        self.shop = open_shop(storage, dump)
        self.placed: list[str] = []
        self.cases: list[str] = []
        self.refunds = 0

    def teardown(self) -> None:
        self.closing.close()

    def _refusable(self, command: object) -> None:
        """Run ``command``; a refusal must leave everything stored as it was."""
        before = self.shop.dump()
        try:
            command()  # type: ignore[operator]
        except REFUSALS:
            assert self.shop.dump() == before

    def _orders(self) -> list[Order]:
        return [self.shop.mall.order(order_id) for order_id in self.placed]

    @rule(tins=st.integers(1, 3), cups=st.integers(0, 1))
    def place(self, tins: int, cups: int) -> None:
        order_id = f"O-{len(self.placed) + 1}"
        items = {"tea": tins, **({"cup": cups} if cups else {})}
        try:
            self.shop.place(items, order_id)
        except OutOfStock:
            return
        self.placed.append(order_id)

    @precondition(lambda self: self.placed)
    @rule(data=st.data(), twice=st.booleans(), wrong=st.booleans())
    def pay(self, data: st.DataObject, twice: bool, wrong: bool) -> None:
        order_id = data.draw(st.sampled_from(self.placed))
        gateway, now = self.shop.gateway, self.shop.clock.now()
        if wrong:
            request = gateway.create_payment(
                order_id=order_id, amount=Money("1.00", "CNY"), expires_at=now
            )
        else:
            try:
                request = self.shop.mall.start_payment(order_id)
            except LookupError:
                return
        body, headers = gateway.pay(request.reference, at=now)
        for _ in range(2 if twice else 1):
            self.shop.mall.handle_payment_notification(body, headers)

    @precondition(lambda self: self.placed)
    @rule(data=st.data())
    def prepare(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self.placed))
        self._refusable(lambda: self.shop.mall.start_fulfilment(order_id))

    @precondition(lambda self: self.placed)
    @rule(data=st.data(), one=st.booleans())
    def ship(self, data: st.DataObject, one: bool) -> None:
        order_id = data.draw(st.sampled_from(self.placed))
        items = {"tea": 1} if one else None
        self._refusable(lambda: self.shop.mall.ship_order(order_id, items=items))

    @precondition(lambda self: self.placed)
    @rule(data=st.data())
    def scan(self, data: st.DataObject) -> None:
        order = self.shop.mall.order(data.draw(st.sampled_from(self.placed)))
        if not order.shipments:
            return
        package = data.draw(st.sampled_from(order.shipments))
        scans = self.shop.courier.scans(package.waybill, picked_up_at=package.shipped_at)
        for event in data.draw(st.permutations(scans)):
            if event.status is TrackingStatus.DELIVERED or data.draw(st.booleans()):
                self.shop.mall.handle_tracking_event(event)

    @precondition(lambda self: self.placed)
    @rule(data=st.data(), tins=st.integers(1, 3), restock=st.booleans())
    def refund(self, data: st.DataObject, tins: int, restock: bool) -> None:
        order_id = data.draw(st.sampled_from(self.placed))
        self.refunds += 1
        refund_id = f"R-{self.refunds}"
        self._refusable(
            lambda: self.shop.mall.refund_order(
                order_id, refund_id, {"tea": tins}, reason="return", restock=restock
            )
        )

    @precondition(lambda self: self.placed)
    @rule(data=st.data(), by_merchant=st.booleans())
    def cancel(self, data: st.DataObject, by_merchant: bool) -> None:
        order_id = data.draw(st.sampled_from(self.placed))
        mall = self.shop.mall
        if by_merchant:
            self._refusable(lambda: mall.cancel_paid_order(order_id, reason="no stock"))
        else:
            self._refusable(lambda: mall.request_cancellation(order_id, reason="changed my mind"))

    @precondition(lambda self: self.placed)
    @rule(data=st.data(), tins=st.integers(1, 2), kind=st.sampled_from(CaseKind))
    def request_after_sales(self, data: st.DataObject, tins: int, kind: CaseKind) -> None:
        order_id = data.draw(st.sampled_from(self.placed))
        self.cases.append(f"AS-{len(self.cases) + 1}")
        self._refusable(
            lambda: self.shop.mall.request_after_sales(
                order_id, self.cases[-1], kind=kind, units={"tea": tins}, reason="dented"
            )
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), step=st.sampled_from(["approve", "reject", "send", "receive"]))
    def handle_after_sales(self, data: st.DataObject, step: str) -> None:
        case_id = data.draw(st.sampled_from(self.cases))
        mall = self.shop.mall
        restock = data.draw(st.booleans())
        commands = {
            "approve": lambda: mall.approve_after_sales(case_id, return_address="仓库"),
            "reject": lambda: mall.reject_after_sales(case_id, reason="no photo"),
            "send": lambda: mall.send_back(case_id, waybill=f"YT-{case_id}"),
            "receive": lambda: mall.receive_return(case_id, restock=restock),
        }
        with contextlib.suppress(NotFound):
            self._refusable(commands[step])

    @precondition(lambda self: self.placed)
    @rule(data=st.data())
    def confirm(self, data: st.DataObject) -> None:
        order_id = data.draw(st.sampled_from(self.placed))
        self._refusable(lambda: self.shop.mall.confirm_receipt(order_id))

    @rule(hours=st.sampled_from([1, 24, 24 * 8]))
    def time_passes_and_the_jobs_run(self, hours: int) -> None:
        self.shop.clock.advance(timedelta(hours=hours))
        for report in (
            self.shop.mall.cancel_overdue_orders(),
            self.shop.mall.complete_due_orders(),
            self.shop.mall.handle_due_after_sales(),
        ):
            assert all(not isinstance(error, REFUSALS) for _, error in report.failed), report

    @invariant()
    def refunds_never_exceed_what_was_paid_and_each_unit_goes_back_once(self) -> None:
        for order in self._orders():
            assert order.refunded <= order.payable
            refunded = order.refunded_quantities()
            assert all(refunded.get(line.line_id, 0) <= line.quantity for line in order.lines)
            for payment in self.shop.mall.payments(order.id):
                assert payment.refunded <= payment.amount

    @invariant()
    def the_gateway_paid_back_what_the_records_say(self) -> None:
        sent: Counter[str] = Counter()
        for refund in self.shop.gateway.refunds():
            sent[refund.payment_id] += refund.amount.minor_units
        recorded: Counter[str] = Counter()
        for order_id in self.placed:
            for payment in self.shop.mall.payments(order_id):
                recorded[payment.id] += payment.refunded.minor_units
        assert +sent == +recorded

    @invariant()
    def each_status_is_the_one_its_axes_make(self) -> None:
        for order in self._orders():
            assert order.status is order.derived_status()
            assert len(order.history) == order.version

    @invariant()
    def a_refunded_case_is_on_its_order_and_open_cases_never_overlap(self) -> None:
        for order in self._orders():
            cases = self.shop.mall.after_sales_cases(order.id)
            refund_ids = {refund.id for refund in order.refunds}
            for case in cases:
                assert (case.status is CaseStatus.REFUNDED) == (case.id in refund_ids)
            held = sum(dict(case.units).get("tea", 0) for case in cases if case.is_open())
            assert held <= order.line("tea").quantity


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_random_interleavings_keep_every_law(adapter: str, request: pytest.FixtureRequest) -> None:
    server = request.getfixturevalue("postgres_server") if adapter == "postgres" else None
    open_storage = opener(adapter, server)

    def machine() -> OrderMachine:
        return OrderMachine(open_storage)

    # A factory, as Hypothesis documents it; its annotation says a class.
    run_state_machine_as_test(machine, settings=SETTINGS[adapter])  # type: ignore[arg-type]
