"""A threaded server: one Mall driven from a pool of 16 threads on one database.

The set-ups of docs/adapters.md ("Threads"): on SQLite, a unit of work per
command from the path (each opens its own connection), and a factory that
gives each thread its own connection; on PostgreSQL, one pool shared by the
threads, a unit of work per command borrowing a connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import attrs
import pytest

from mallcore import Checkout, Mall
from mallcore.adapters import InMemoryEventLog, SimulatedCourier, SimulatedGateway, SqliteUnitOfWork
from mallcore.catalog import Sku
from mallcore.coupons import IssueLimits
from mallcore.errors import MallcoreError
from mallcore.money import Money
from mallcore.orders import OrderPlaced
from mallcore.ports import UnitOfWork
from mallcore.testing.fakes import FakeClock
from tests.services._workers import HOME, OPENING
from tests.services.conftest import on_sale
from tests.services.test_wallet import TEN_OFF_100

THREADS = 16
Storage = Callable[[], UnitOfWork]


@contextlib.contextmanager
def _from_path(request: pytest.FixtureRequest, path: Path) -> Iterator[Storage]:
    yield lambda: SqliteUnitOfWork(path, timeout=30)


@contextlib.contextmanager
def _postgres_pool(request: pytest.FixtureRequest, path: Path) -> Iterator[Storage]:
    from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork

    dsn = request.getfixturevalue("postgres_dsn")
    with PostgresDatabase(dsn, min_size=THREADS, max_size=THREADS, statement_timeout=30) as db:
        yield lambda: PostgresUnitOfWork(db)


@contextlib.contextmanager
def _connection_per_thread(request: pytest.FixtureRequest, path: Path) -> Iterator[Storage]:
    mine = threading.local()
    opened: list[sqlite3.Connection] = []

    def connection() -> sqlite3.Connection:
        if not hasattr(mine, "connection"):
            # each thread uses only its own; the test closes them all from its own thread
            mine.connection = sqlite3.connect(path, timeout=30, check_same_thread=False)
            opened.append(mine.connection)
        return mine.connection  # type: ignore[no-any-return]

    try:
        yield lambda: SqliteUnitOfWork(connection, timeout=30)
    finally:
        for each in opened:
            each.close()


SETUPS = {
    "sqlite, from a path": _from_path,
    "sqlite, a connection per thread": _connection_per_thread,
    "postgres, one pool": _postgres_pool,
}


def _outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except MallcoreError as error:
        return type(error).__name__
    return "done"


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_sixteen_threads_sharing_one_mall_keep_every_limit_and_lose_no_event(
    request: pytest.FixtureRequest, tmp_path: Path, setup: str
) -> None:
    events = InMemoryEventLog()
    ten_claims = attrs.evolve(TEN_OFF_100, issue=IssueLimits(total=10))
    with SETUPS[setup](request, tmp_path / "shop.sqlite3") as storage:
        mall = Mall(
            storage=storage,
            clock=FakeClock(OPENING),
            events=events,
            gateway=SimulatedGateway(secret=b"threads"),
            courier=SimulatedCourier(carrier="SF"),
        )
        cup = Sku("cup", {}, Money("30.00", "CNY"), Money("30.00", "CNY"), stock=20)
        mall.save_product(on_sale(cup), stock={"cup": 20})
        mall.save_coupon_template(ten_claims)

        def customer(n: int) -> list[str]:
            outcomes = [_outcome(partial(mall.claim_coupon, f"c{n}", ten_claims.id))]
            for attempt in range(5):
                checkout = Checkout(customer_id=f"c{n}", items={"cup": 1}, consignee=HOME)
                outcomes.append(_outcome(partial(mall.place_order, f"T{n}-{attempt}", checkout)))
                outcomes.append(_outcome(partial(mall.relay_events, limit=20)))
            return outcomes

        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = Counter(o for result in pool.map(customer, range(THREADS)) for o in result)
        while mall.relay_events(limit=100).published:
            pass  # the threads' relays have stopped: what is left is one run's
        stock = mall.stock("cup")

    placed = [e.order_id for e in events.events if isinstance(e, OrderPlaced)]
    assert outcomes == {"done": 10 + 20 + THREADS * 5, "CouponUnavailable": 6, "OutOfStock": 60}
    assert (stock.on_hand, stock.available) == (20, 0)
    assert len(placed) == len(set(placed)) == 20
    assert len({e.id for e in events.envelopes}) == len(events.envelopes)
    sequences: dict[tuple[str, str], list[int]] = {}
    for envelope in events.envelopes:
        sequences.setdefault((envelope.aggregate_kind, envelope.aggregate_id), []).append(
            envelope.sequence
        )
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in sequences.values())
