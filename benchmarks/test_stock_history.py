"""Stock history benchmark: reserve + deduct on a SKU whatever its sales history (issue 11).

A paid order's units are a row of ``stock_movements`` and an unpaid order's
a row of ``stock_holds``, neither part of the stock document, so placing and
paying an order on a SKU costs the same with 0, 10,000 or 100,000 earlier
paid orders, and with 1,000 live holds (unpaid orders' reservations) or
none. The rows are seeded directly with SQL; a fifth SKU has both.

Each timed step is what checkout and payment do to the stock, on a SQLite
file, in two transactions: reserve one unit (``lock``, get, reserve, save,
commit, through :func:`~mallcore.services._stock.hold_stock`: the hold
added; the lapsed holds are looked up only when the units run short), then
:func:`~mallcore.services._stock.deduct_order_stock` (the movement and the
hold looked up, the stock deducted and saved, the hold removed, the
movement added).

A second measure is the whole checkout: ``Mall.place_order`` of one unit of
the SKU on the same five seeded files (pricing, the order, the outbox
included), its orders left unpaid, so holds pile up by a few hundred on every
SKU alike during the run.

Run ``.venv/bin/python benchmarks/test_stock_history.py`` for the
interleaved medians (docs/performance.md, "Stock history"), or ``make bench``.
"""

from __future__ import annotations

import gc
import itertools
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from mallcore import Checkout, Mall
from mallcore.adapters import InMemoryEventLog, SimulatedCourier, SimulatedGateway, SqliteUnitOfWork
from mallcore.catalog import (
    DEFAULT_HOLD,
    Listing,
    ListingStatus,
    Product,
    Sku,
    Stock,
    StockMovement,
)
from mallcore.money import Money
from mallcore.orders import Consignee, Order, OrderLine
from mallcore.services._stock import deduct_order_stock, hold_stock
from mallcore.shapes import dump_document
from mallcore.testing.fakes import FakeClock

NOW = datetime(2026, 11, 11, 20, tzinfo=UTC)
SKU = "tea"
SCENARIOS = {"fresh": (0, 0), "10,000 paid": (10_000, 0), "100,000 paid": (100_000, 0)}
SCENARIOS |= {"1,000 holds": (0, 1_000), "1,000 holds, 100,000 paid": (100_000, 1_000)}
_serial = itertools.count()


def seeded(directory: Path, paid: int, holds: int) -> Path:
    """A SQLite file whose SKU has ``paid`` earlier paid orders and ``holds`` live holds."""
    path = directory / f"stock-{paid}-{holds}.sqlite3"
    later_us = int((NOW + timedelta(days=365)).timestamp() * 10**6)
    with SqliteUnitOfWork(path) as uow:
        uow.stocks.save(Stock(SKU, on_hand=10**9, reserved=holds))
        uow.commit()
    mall_on(path, fsync=True)
    rows = (
        (SKU, f"P-{n}", dump_document(StockMovement(SKU, f"P-{n}", 1, NOW))) for n in range(paid)
    )
    with sqlite3.connect(path) as connection:  # one transaction
        connection.executemany(
            "INSERT INTO stock_movements (sku_id, order_id, value) VALUES (?, ?, ?)", rows
        )
        connection.executemany(
            "INSERT INTO stock_holds (sku_id, order_id, quantity, expires_us) VALUES (?, ?, 1, ?)",
            ((SKU, f"H-{n}", later_us) for n in range(holds)),
        )
    connection.close()
    return path


HOME = Consignee(name="Alice", phone="13800000000", region="330106", address="文三路 90 号")
CHECKOUT = Checkout(customer_id="alice", items={SKU: 1}, consignee=HOME)
TEMPLATE = Order(
    id="O-template",
    customer_id="alice",
    currency="CNY",
    lines=[OrderLine(line_id="L1", sku_id=SKU, quantity=1, unit_payables=[Money("30", "CNY")])],
    freight=Money.zero("CNY"),
    placed_at=NOW,
    pay_by=NOW + timedelta(minutes=30),
)


def mall_on(path: Path, *, fsync: bool) -> Mall:
    """A Mall over the file at ``path`` selling the seeded SKU (saved once per file)."""
    storage: Callable[[], SqliteUnitOfWork]
    if fsync:
        storage = lambda: SqliteUnitOfWork(path)  # noqa: E731
    else:
        kept = without_fsync(path)
        storage = lambda: kept  # noqa: E731
    mall = Mall(
        storage=storage,
        clock=FakeClock(NOW),
        events=InMemoryEventLog(),
        gateway=SimulatedGateway(secret=b"bench"),
        courier=SimulatedCourier(carrier="SF"),
    )
    price = Money("30", "CNY")
    sku = Sku(SKU, {}, price, price, stock=10**9)
    product = Product.single("tea", "Tea", "drinks", sku, listing=Listing(ListingStatus.ON_SHELF))
    if not mall.products_in("drinks", limit=1):
        mall.save_product(product)
    return mall


def place_one(mall: Mall) -> None:
    """One checkout of one unit of the SKU through the Mall, under a new order id."""
    mall.place_order(f"M-{next(_serial)}", CHECKOUT)


def reserve_and_deduct(uow: SqliteUnitOfWork) -> None:
    """One new order's unit reserved, then deducted on payment, each in its own transaction."""
    order_id = f"O-{next(_serial)}"
    with uow:
        uow.lock()
        hold_stock(uow, uow.stocks.get(SKU), order_id, 1, NOW, hold=DEFAULT_HOLD, held=None)
        uow.commit()
    order = Order(
        id=order_id,
        customer_id=TEMPLATE.customer_id,
        currency=TEMPLATE.currency,
        lines=TEMPLATE.lines,
        freight=TEMPLATE.freight,
        placed_at=NOW,
        pay_by=TEMPLATE.pay_by,
    )
    with uow:
        uow.lock()
        deduct_order_stock(uow, order, at=NOW)
        uow.commit()


def without_fsync(path: Path) -> SqliteUnitOfWork:
    """A unit of work on one kept connection with ``synchronous = NORMAL``: no fsync per commit.

    Under the default ``FULL`` a commit's fsync (milliseconds, and noisy on a
    shared disk) hides the CPU cost that a large stock document would add.
    """
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous = NORMAL")
    return SqliteUnitOfWork(lambda: connection)


def interleaved(
    step: Callable[[Path, bool], Callable[[], None]],
    *,
    fsync: bool,
    blocks: int = 15,
    calls: int = 20,
) -> dict[str, float]:
    """Median ms per ``step`` on each seeded SKU, the scenarios timed in turns, block by block."""
    with tempfile.TemporaryDirectory() as directory:
        paths = {name: seeded(Path(directory), *sizes) for name, sizes in SCENARIOS.items()}
        runs = {name: step(path, fsync) for name, path in paths.items()}
        times: dict[str, list[float]] = {name: [] for name in paths}
        gc.enable()
        for _ in range(blocks):
            for name, run in runs.items():
                start = time.perf_counter()
                for _ in range(calls):
                    run()
                times[name].append((time.perf_counter() - start) / calls * 1e3)
    return {name: statistics.median(samples) for name, samples in times.items()}


def stock_step(path: Path, fsync: bool) -> Callable[[], None]:
    """Reserve and deduct on the stock at ``path``, on a unit of work made once."""
    uow = SqliteUnitOfWork(path) if fsync else without_fsync(path)
    return lambda: reserve_and_deduct(uow)


def checkout_step(path: Path, fsync: bool) -> Callable[[], None]:
    """``Mall.place_order`` of one unit of the SKU at ``path``."""
    mall = mall_on(path, fsync=fsync)
    return lambda: place_one(mall)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_reserve_and_deduct(benchmark: BenchmarkFixture, tmp_path: Path, scenario: str) -> None:
    uow = SqliteUnitOfWork(seeded(tmp_path, *SCENARIOS[scenario]))
    run: Callable[[], None] = lambda: reserve_and_deduct(uow)  # noqa: E731
    benchmark.group = "stock history: reserve + deduct"
    benchmark.pedantic(run, rounds=50, warmup_rounds=3)  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    for label, step in (("reserve + deduct", stock_step), ("Mall.place_order", checkout_step)):
        for fsync in (True, False):
            print(f"{label}, synchronous = {'FULL (default)' if fsync else 'NORMAL'}")
            medians = interleaved(step, fsync=fsync)
            for name, median in medians.items():
                base = medians["1,000 holds" if "holds" in name else "fresh"]
                print(
                    f"{name:>26}: {median:.3f} ms  ({median / medians['fresh']:.2f}x fresh,",
                    end=" ",
                )
                print(f"{median / base:.2f}x the same holds without history)")
