"""The Mall's checkout on SQLite against the same SQL statements issued by hand.

``place_order`` through the Mall (one line and 20 lines) is timed against a
baseline that replays, on the same database, the very SQL statements one
``place_order`` sent to SQLite (captured with the connection's trace
callback), each under a fresh order id: the difference is what the Mall adds
on top of the database's own work (pricing, the domain, serialization).

Run with ``.venv/bin/python benchmarks/test_mall.py`` (interleaved blocks, medians and
ratios) or ``.venv/bin/python -m pytest benchmarks/test_mall.py --benchmark-only -q``.
The baseline's conditional updates of the stock row find a newer version than
the captured one and change nothing, so it is a little cheaper than the real
statements: the ratio errs on the Mall's side. Its outbox rows get fresh
event ids, and a stock event whose sequence the captured run took is not
inserted again (``INSERT OR IGNORE``). Between blocks (untimed) the
Mall's orders are cancelled, so that live holds do not pile up on the stock.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import statistics
import tempfile
import timeit
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from mallcore import Checkout, Mall
from mallcore.adapters import InMemoryEventLog, SimulatedCourier, SimulatedGateway
from mallcore.adapters.sqlite import SqliteUnitOfWork
from mallcore.catalog import Listing, ListingStatus, Product, Sku
from mallcore.merchant import Configuration
from mallcore.money import Money
from mallcore.orders import Consignee
from mallcore.pricing import Tier, TieredAmountOff
from mallcore.testing.fakes import FakeClock

NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)
HOME = Consignee(name="Alice", phone="13800000000", region="330106", address="文三路 90 号")
MARK = "CAPTURED-ORDER-00000000"
"""The form of a captured checkout's order id; the baseline swaps in one of the same length."""


class Bench:
    """A shop on a SQLite file with 20 SKUs that never run out, and one connection traced."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "bench.sqlite3"
        self.connection = sqlite3.connect(self.path, timeout=30)
        self.statements: list[str] | None = None
        self.connection.set_trace_callback(self._trace)
        self.mall = Mall(
            storage=lambda: SqliteUnitOfWork(lambda: self.connection),
            clock=FakeClock(NOW),
            events=InMemoryEventLog(),
            gateway=SimulatedGateway(secret=b"bench"),
            courier=SimulatedCourier(carrier="SF"),
        )
        for n in range(20):
            price = Money.from_minor(1990 + 733 * n, "CNY")
            sku = Sku(f"sku-{n}", {}, price, price, stock=10**9)
            product = Product.single(
                f"p-{n}", f"tea {n}", "tea", sku, listing=Listing(ListingStatus.ON_SHELF)
            )
            self.mall.save_product(product, stock={sku.id: 10**9})
        full_100 = TieredAmountOff(
            id="full-100", tiers=[Tier(Money("100", "CNY"), Money("10", "CNY"))]
        )
        self.mall.configure(Configuration(promotions=[full_100]))
        self._ids = itertools.count()
        self.placed: list[str] = []

    def _trace(self, statement: str) -> None:
        if self.statements is not None:
            self.statements.append(statement)

    def checkout(self, lines: int) -> Checkout:
        """Alice's checkout of one unit of each of the first ``lines`` SKUs."""
        items = {f"sku-{n}": 1 for n in range(lines)}
        return Checkout(customer_id="alice", items=items, consignee=HOME)

    def place(self, lines: int) -> Callable[[], object]:
        """One Mall checkout of ``lines`` lines per call, each under a new order id."""
        checkout = self.checkout(lines)

        def run() -> object:
            order_id = f"M-{next(self._ids):012d}"
            self.placed.append(order_id)
            return self.mall.place_order(order_id, checkout)

        return run

    def cancel_placed(self) -> None:
        """Cancel the orders placed so far, so that live holds do not pile up between blocks."""
        for order_id in self.placed:
            self.mall.cancel_order(order_id)
        self.placed.clear()

    def by_hand(self, lines: int) -> Callable[[], None]:
        """One replay per call of the statements a ``lines``-line checkout sent to SQLite."""
        mark = f"{MARK[:-8]}{next(self._ids):08d}"  # each capture its own order
        self.statements = []
        self.mall.place_order(mark, self.checkout(lines))
        captured, self.statements = self.statements, None
        self.mall.cancel_order(mark)
        replay = sqlite3.connect(self.path, timeout=30, isolation_level=None)

        replayable = [_replayable(statement) for statement in captured]

        def run() -> None:
            order_id = f"H-{next(self._ids):0{len(mark) - 2}d}"
            for statement in replayable:
                replay.execute(_EVENT_ID.sub(_fresh_id, statement.replace(mark, order_id)))

        return run


_EVENT_ID = re.compile(r"'[0-9a-f]{32}'")
"""An outbox event id (a uuid4 in hex) in a captured statement."""


def _fresh_id(match: re.Match[str]) -> str:
    return f"'{uuid.uuid4().hex}'"


def _replayable(statement: str) -> str:
    """``statement`` with its outbox rows inserted only if their aggregate's sequence is free.

    The stock's events are numbered on: replayed as captured, their numbers are taken.
    """
    return statement.replace("INSERT INTO outbox", "INSERT OR IGNORE INTO outbox")


def interleaved(lines: int, blocks: int = 15, calls: int = 20) -> tuple[float, float]:
    """Median µs per checkout of the replayed SQL and of the Mall, timed in turns."""
    with tempfile.TemporaryDirectory() as directory:
        bench = Bench(Path(directory))
        mall, hand = bench.place(lines), bench.by_hand(lines)
        mall_times, hand_times = [], []
        for _ in range(blocks):
            hand_times.append(timeit.timeit(hand, number=calls) / calls * 1e6)
            mall_times.append(timeit.timeit(mall, number=calls) / calls * 1e6)
            bench.cancel_placed()
        return statistics.median(hand_times), statistics.median(mall_times)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Bench:
    return Bench(tmp_path_factory.mktemp("mall"))


@pytest.mark.parametrize("lines", [1, 20])
def test_place_order_through_the_mall(
    bench: Bench, benchmark: BenchmarkFixture, lines: int
) -> None:
    benchmark(bench.place(lines))


@pytest.mark.parametrize("lines", [1, 20])
def test_the_same_statements_by_hand(bench: Bench, benchmark: BenchmarkFixture, lines: int) -> None:
    benchmark(bench.by_hand(lines))


if __name__ == "__main__":
    for size in (1, 20):
        hand_median, mall_median = interleaved(size)
        print(
            f"{size:>2} lines: SQL by hand {hand_median:,.0f} µs, Mall {mall_median:,.0f} µs,"
            f" ratio {mall_median / hand_median:.2f}"
        )
