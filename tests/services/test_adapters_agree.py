"""The storage adapters agree: the same random commands give the same answers and state.

A Hypothesis state machine runs one shop per adapter of :data:`ADAPTERS`
side by side (in memory, SQLite, PostgreSQL): customers claim coupons,
place orders (spending points, with or without a coupon), pay, cancel, let
orders time out, and a relay hands the outbox on. After every step each
shop must have answered alike (the same value, or the same error) and hold
the same orders, stock, wallets, points, outbox and published events. A
new adapter is one more entry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork, SqliteUnitOfWork
from mallcore.adapters.sqlite import memory_database
from mallcore.coupons import IssueLimits, UseLimits
from mallcore.errors import MallcoreError
from mallcore.loyalty import EarningPolicy
from mallcore.orders import Order
from mallcore.ports import UnitOfWork
from tests.postgres_server import fresh_schema
from tests.services.conftest import TEN_PERCENT, Shop, give_points, open_shop
from tests.services.test_wallet import TEN_OFF_100

Storage = Callable[[], UnitOfWork]
CUSTOMERS = ("alice", "bob")
TEMPLATE = attrs.evolve(
    TEN_OFF_100, issue=IssueLimits(total=3, per_customer=2), use=UseLimits(total=2)
)


def _memory(stack: contextlib.ExitStack) -> Storage:
    store = InMemoryStore()
    return lambda: InMemoryUnitOfWork(store)


def _sqlite(stack: contextlib.ExitStack) -> Storage:
    database = memory_database()
    stack.callback(lambda: database().close())
    return lambda: SqliteUnitOfWork(database)


SERVER: list[str] = []
"""The session's PostgreSQL server, set by the module's fixture (a state machine has none)."""


def _postgres(stack: contextlib.ExitStack) -> Storage:
    from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork

    dsn = stack.enter_context(fresh_schema(SERVER[0]))
    database = stack.enter_context(PostgresDatabase(dsn, min_size=1, max_size=1))
    return lambda: PostgresUnitOfWork(database)


@pytest.fixture(scope="module", autouse=True)
def _server(postgres_server: str) -> Iterator[None]:
    SERVER.append(postgres_server)
    yield
    SERVER.clear()


ADAPTERS: dict[str, Callable[[contextlib.ExitStack], Storage]] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "postgres": _postgres,
}
"""Each adapter under comparison: a unit-of-work factory over a new, empty store."""


def _answer(call: Callable[[], object]) -> object:
    """What a command answered: its value, or its error's type and message."""
    try:
        return call()
    except MallcoreError as error:
        return (type(error).__name__, str(error))


class AdaptersAgree(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.stack = contextlib.ExitStack()
        self.shops: dict[str, Shop] = {}
        for name, adapter in ADAPTERS.items():
            shop = open_shop(adapter(self.stack))
            shop.configure(redemption=TEN_PERCENT, earning=EarningPolicy())
            shop.mall.save_coupon_template(TEMPLATE)
            give_points(shop.uow(), 2_000, "alice")
            self.shops[name] = shop
        self.orders: list[str] = []

    def teardown(self) -> None:
        self.stack.close()

    def _agree(self, command: Callable[[Shop], object]) -> object:
        answers = {name: _answer(partial(command, shop)) for name, shop in self.shops.items()}
        first, *others = answers.values()
        assert all(other == first for other in others), answers
        return first

    @rule(customer=st.sampled_from(CUSTOMERS))
    def claim(self, customer: str) -> None:
        self._agree(lambda shop: shop.mall.claim_coupon(customer, TEMPLATE.id))

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        tea=st.integers(0, 3),
        cup=st.integers(0, 1),
        points=st.booleans(),
        coupon=st.booleans(),
    )
    def place(self, customer: str, tea: int, cup: int, points: bool, coupon: bool) -> None:
        order_id = f"O-{len(self.orders) + 1}"
        items = {sku: units for sku, units in (("tea", tea), ("cup", cup)) if units} or {"tea": 1}

        def place(shop: Shop) -> Order:
            usable = [c.id for c in shop.mall.wallet(customer).usable][:1] if coupon else []
            checkout = attrs.evolve(shop.checkout(items), customer_id=customer)
            chosen = attrs.evolve(checkout, coupons=usable, points=None if points else 0)
            return shop.mall.place_order(order_id, chosen)

        if isinstance(self._agree(place), Order):
            self.orders.append(order_id)

    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        if self.orders:
            order_id = data.draw(st.sampled_from(self.orders))
            self._agree(lambda shop: shop.notify(*shop.payment(order_id)))

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if self.orders:
            order_id = data.draw(st.sampled_from(self.orders))
            self._agree(lambda shop: shop.mall.cancel_order(order_id))

    @rule(minutes=st.integers(1, 40))
    def time_passes(self, minutes: int) -> None:
        for shop in self.shops.values():
            shop.clock.advance(timedelta(minutes=minutes))
        self._agree(lambda shop: shop.mall.cancel_overdue_orders())

    @rule(limit=st.integers(1, 10))
    def relay(self, limit: int) -> None:
        self._agree(lambda shop: attrs.evolve(shop.mall.relay_events(limit=limit)))

    @invariant()
    def every_shop_holds_the_same_state(self) -> None:
        def state(shop: Shop) -> object:
            with shop.uow() as uow:
                outbox = {
                    (kind, key): [(e.sequence, e.occurred_at, e.event) for e in events]
                    for kind, key in [("order", o) for o in self.orders]
                    + [("stock", "tea"), ("stock", "cup"), ("points account", "alice")]
                    + [("coupon", c.id) for who in CUSTOMERS for c in uow.coupons.of_customer(who)]
                    if (events := uow.outbox.of_aggregate(kind, key))
                }
            return {
                "orders": [shop.mall.order(order_id) for order_id in self.orders],
                "stock": [shop.mall.stock("tea"), shop.mall.stock("cup")],
                "wallets": [shop.mall.wallet(customer) for customer in CUSTOMERS],
                "points": [shop.mall.points_account(customer) for customer in CUSTOMERS],
                "outbox": outbox,
                "published": shop.events.events,
            }

        self._agree(state)


AdaptersAgree.TestCase.settings = settings(max_examples=50, stateful_step_count=30, deadline=None)
TestAdaptersAgree = AdaptersAgree.TestCase
