"""A small shop run through the Mall, on every storage adapter, for the use-case tests.

The ``shop`` fixture is parametrised over adapter factories (:data:`ADAPTERS`):
each use-case test runs on the in-memory store and on a SQLite file; a new
adapter is one more entry. The ``where`` fixture is where the process tests' spawned
workers meet (tests/services/_workers.py): a SQLite file, or a PostgreSQL schema.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from psycopg import sql

from mallcore import Checkout, Mall
from mallcore.adapters import (
    InMemoryEventLog,
    InMemoryStore,
    InMemoryUnitOfWork,
    SimulatedCourier,
    SimulatedGateway,
    SqliteUnitOfWork,
)
from mallcore.catalog import Listing, ListingStatus, Product, Sku, Stock
from mallcore.loyalty import PointsAccount, RedemptionPolicy
from mallcore.merchant import Configuration
from mallcore.money import Money
from mallcore.orders import Order
from mallcore.ports import UnitOfWork
from mallcore.services import PaymentOutcome
from mallcore.testing.fakes import FakeClock
from tests.services._workers import HOME, OPENING

__all__ = [
    "HOME",
    "OPENING",
    "TEN_PERCENT",
    "Shop",
    "give_points",
    "on_sale",
    "open_shop",
    "memory_storage",
    "postgres_storage",
    "sqlite_storage",
]

TEN_PERCENT = RedemptionPolicy(points_per_unit=100, max_share=10)
"""Taobao's 淘金币-style rule: 100 points make 1 yuan, at most 10% of the goods."""

Storage = Callable[[], UnitOfWork]
Dump = Callable[[], object]
"""Everything stored, as a value to compare before and after a refused command."""


def memory_storage(tmp_path: Path) -> tuple[Storage, Dump]:
    """A shop's storage in a new in-memory store: its factory and its dump."""
    store = InMemoryStore()

    def dump() -> object:
        with store.lock:
            return {
                name: dict(table) for name, table in vars(store).items() if isinstance(table, dict)
            }

    return lambda: InMemoryUnitOfWork(store), dump


def sqlite_storage(tmp_path: Path) -> tuple[Storage, Dump]:
    """A shop's storage in a SQLite file in ``tmp_path``: its factory and its dump."""
    path = tmp_path / "shop.sqlite3"

    def dump() -> object:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            return list(connection.iterdump())

    return lambda: SqliteUnitOfWork(path), dump


def postgres_storage(dsn: str) -> tuple[Storage, Dump, Callable[[], None]]:
    """A shop's storage on the PostgreSQL schema ``dsn``: its factory, its dump, its close."""
    from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork

    # A pool of fixed size: a growing pool draws from the global random in a thread.
    database = PostgresDatabase(dsn, min_size=2, max_size=2)

    def dump() -> object:
        with PostgresUnitOfWork(database) as uow:
            tables = [
                row[0]
                for row in uow._query(
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = current_schema() ORDER BY table_name",
                    (),
                )
            ]
            return {
                table: sorted(
                    map(
                        repr,
                        uow._query(
                            sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)).as_string(),
                            (),
                        ),
                    )
                )
                for table in tables
            }

    return lambda: PostgresUnitOfWork(database), dump, database.close


def _postgres(request: pytest.FixtureRequest) -> tuple[Storage, Dump]:
    storage, dump, close = postgres_storage(request.getfixturevalue("postgres_dsn"))
    request.addfinalizer(close)
    return storage, dump


ADAPTERS: dict[str, Callable[[pytest.FixtureRequest, Path], tuple[Storage, Dump]]] = {
    "memory": lambda request, tmp_path: memory_storage(tmp_path),
    "sqlite": lambda request, tmp_path: sqlite_storage(tmp_path),
    "postgres": lambda request, tmp_path: _postgres(request),
}
"""Each storage adapter the use cases run on, by name: its unit-of-work factory and its dump.

PostgreSQL runs on the test session's throwaway server (tests/postgres_server.py).
"""


@attrs.define
class Shop:
    """A Mall over one adapter, a fake clock, the simulated gateway and courier."""

    mall: Mall
    storage: Storage
    dump: Dump
    clock: FakeClock
    events: InMemoryEventLog
    gateway: SimulatedGateway
    courier: SimulatedCourier

    def uow(self) -> UnitOfWork:
        return self.storage()

    def configure(self, **changes: Any) -> Configuration:
        """Save the configuration in force with ``changes``."""
        return self.mall.configure(attrs.evolve(self.mall.configuration(), **changes))

    def stock(self, sku_id: str) -> Stock:
        return self.mall.stock(sku_id)

    def order(self, order_id: str = "O-1") -> Order:
        return self.mall.order(order_id)

    def points(self, customer_id: str = "alice") -> PointsAccount:
        with self.uow() as uow:
            return uow.points.get(customer_id)

    def checkout(self, items: dict[str, int], **choices: Any) -> Checkout:
        """Alice's checkout of ``items`` to her home address."""
        return Checkout(customer_id="alice", items=items, consignee=HOME, **choices)

    def place(self, items: dict[str, int], order_id: str = "O-1", **choices: Any) -> Order:
        """Alice places an order for ``items`` (``choices``: coupons, points, shipping method)."""
        return self.mall.place_order(order_id, self.checkout(items, **choices))

    def payment(self, order_id: str = "O-1") -> tuple[bytes, dict[str, str]]:
        """Start the order's payment and pay it: the signed notification the provider posts."""
        request = self.mall.start_payment(order_id)
        return self.gateway.pay(request.reference, at=self.clock.now())

    def notify(self, body: bytes, headers: dict[str, str]) -> PaymentOutcome:
        """Hand a notification to the Mall, as the host's webhook would; its outcome."""
        return self.mall.handle_payment_notification(body, headers).outcome

    def ship(self, order_id: str = "O-1", items: dict[str, int] | None = None) -> Order:
        return self.mall.ship_order(order_id, items=items)

    def published(self) -> list[object]:
        """Relay the outbox until it is empty, as a host's relay loop would; every event so far."""
        while self.mall.relay_events(limit=50).published:
            pass
        return self.events.events


def give_points(uow: UnitOfWork, points: int, customer_id: str = "alice") -> None:
    """Open ``customer_id``'s account with ``points`` available since the opening."""
    with uow:
        account = PointsAccount.open(customer_id)
        uow.points.save(account)
        uow.points.save(account.earn(points, key="welcome", at=OPENING)[0])
        uow.commit()


def on_sale(sku: Sku, **product: Any) -> Product:
    """A one-SKU product on the shelf, in category "tea"."""
    return Product.single(
        sku.id, sku.id, "tea", sku, listing=Listing(ListingStatus.ON_SHELF), **product
    )


def open_shop(storage: Storage, dump: Dump = lambda: None) -> Shop:
    """A fresh shop: tea at 60.00 (10 units) and a cup at 30.00 (1 unit), all on sale."""
    clock = FakeClock(OPENING)
    events = InMemoryEventLog()
    gateway = SimulatedGateway(
        secret=b"test-secret", decline_above=Money("1000", "CNY"), prefix="test"
    )
    courier = SimulatedCourier(carrier="SF", prefix="")
    mall = Mall(
        storage=storage, clock=clock, events=events, gateway=gateway, courier=courier, backoff=0
    )
    for sku_id, price, units in (("tea", "60.00", 10), ("cup", "30.00", 1)):
        sku = Sku(sku_id, {}, Money(price, "CNY"), Money(price, "CNY"), stock=units)
        mall.save_product(on_sale(sku), stock={sku_id: units})
    return Shop(
        mall=mall,
        storage=storage,
        dump=dump,
        clock=clock,
        events=events,
        gateway=gateway,
        courier=courier,
    )


@pytest.fixture(params=sorted(ADAPTERS))
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Shop:
    return open_shop(*ADAPTERS[request.param](request, tmp_path))


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the shop's processes meet: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'shop.sqlite3'}"
    return f"postgres:{request.getfixturevalue('postgres_dsn')}"
