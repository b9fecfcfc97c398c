"""Stock history benchmark: reserve + deduct on a SKU whatever its sales history (issue 11).

A paid order's units are a row of ``stock_movements`` and an unpaid order's
a row of ``stock_holds``, neither part of the stock document, so placing and
paying an order on a SKU costs the same with 0, 10,000 or 100,000 earlier
paid orders, and with 1,000 live holds (unpaid orders' reservations) or
none. The rows are seeded directly with SQL; a fifth SKU has both.

Each timed step is what checkout and payment do to the stock, on a SQLite
file, in two transactions: reserve one unit (``lock``, get, reserve, save,
commit, through :func:`~mallcore.services._stock.hold_stock`: the order's
hold and the lapsed holds looked up, the hold added), then
:func:`~mallcore.services._stock.deduct_order_stock` (the movement and the
hold looked up, the stock deducted and saved, the hold removed, the
movement added).

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

from mallcore.adapters import SqliteUnitOfWork
from mallcore.catalog import DEFAULT_HOLD, Stock, StockMovement
from mallcore.money import Money
from mallcore.orders import Order, OrderLine
from mallcore.serialization import dumps
from mallcore.services._stock import deduct_order_stock, hold_stock

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
    rows = (
        (SKU, f"P-{n}", dumps(StockMovement(SKU, f"P-{n}", 1, NOW), indent=None))
        for n in range(paid)
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


TEMPLATE = Order(
    id="O-template",
    customer_id="alice",
    currency="CNY",
    lines=[OrderLine(line_id="L1", sku_id=SKU, quantity=1, unit_payables=[Money("30", "CNY")])],
    freight=Money.zero("CNY"),
    placed_at=NOW,
    pay_by=NOW + timedelta(minutes=30),
)


def reserve_and_deduct(uow: SqliteUnitOfWork) -> None:
    """One new order's unit reserved, then deducted on payment, each in its own transaction."""
    order_id = f"O-{next(_serial)}"
    with uow:
        uow.lock()
        hold_stock(uow, uow.stocks.get(SKU), order_id, 1, NOW, hold=DEFAULT_HOLD)
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


def interleaved(*, fsync: bool, blocks: int = 15, calls: int = 20) -> dict[str, float]:
    """Median ms per reserve + deduct on each SKU, the scenarios timed in turns, block by block."""
    with tempfile.TemporaryDirectory() as directory:
        paths = {name: seeded(Path(directory), *sizes) for name, sizes in SCENARIOS.items()}
        units = {
            name: SqliteUnitOfWork(path) if fsync else without_fsync(path)
            for name, path in paths.items()
        }
        times: dict[str, list[float]] = {name: [] for name in paths}
        gc.enable()
        for _ in range(blocks):
            for name, uow in units.items():
                start = time.perf_counter()
                for _ in range(calls):
                    reserve_and_deduct(uow)
                times[name].append((time.perf_counter() - start) / calls * 1e3)
    return {name: statistics.median(samples) for name, samples in times.items()}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_reserve_and_deduct(benchmark: BenchmarkFixture, tmp_path: Path, scenario: str) -> None:
    uow = SqliteUnitOfWork(seeded(tmp_path, *SCENARIOS[scenario]))
    run: Callable[[], None] = lambda: reserve_and_deduct(uow)  # noqa: E731
    benchmark.group = "stock history: reserve + deduct"
    benchmark.pedantic(run, rounds=50, warmup_rounds=3)  # type: ignore[no-untyped-call]


if __name__ == "__main__":
    for fsync in (True, False):
        print("synchronous = FULL (default)" if fsync else "synchronous = NORMAL")
        medians = interleaved(fsync=fsync)
        for name, median in medians.items():
            base = medians["1,000 holds" if "holds" in name else "fresh"]
            print(f"{name:>26}: {median:.3f} ms  ({median / medians['fresh']:.2f}x fresh,", end=" ")
            print(f"{median / base:.2f}x the same holds without history)")
