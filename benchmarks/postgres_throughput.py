"""Hot-SKU checkout throughput on PostgreSQL: the Mall against hand-written SQL, side by side.

``.venv/bin/python -m benchmarks.postgres_throughput`` starts a throwaway
PostgreSQL cluster (tests/postgres_server.py; or uses
``MALLCORE_TEST_POSTGRES_DSN``) and runs rounds in turns. In each round
``--processes`` spawned processes each place orders of one unit of one SKU
(stock that never runs out) for ``--seconds``, on a new schema, the clocks
started together once every process has imported and connected:

- **Mall**: ``Mall.place_order`` over a ``PostgresDatabase`` (price the cart,
  hold the stock (its counts moved at commit), save the order, the outbox);
- **SQL by hand**: the same reserve and insert at the same isolation level
  (``READ COMMITTED``): ``SELECT on_hand, reserved FROM stocks ... FOR
  UPDATE``, the units checked, ``UPDATE stocks`` with ``reserved`` one more,
  the hold inserted into ``stock_holds``, ``INSERT INTO orders``, ``COMMIT``.

Every order is placed by a different customer and left unpaid, on both
sides, so the SKU's live holds grow alike. It prints the orders per
second of each side per round, their medians and the ratio. The shop has no
configuration unless ``--promotions N`` gives it N 满减 rules.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from tests.postgres_server import fresh_schema, server_for_scripts

from mallcore import Checkout, Mall
from mallcore.adapters import InMemoryEventLog, SimulatedCourier, SimulatedGateway
from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork
from mallcore.catalog import Listing, ListingStatus, Product, Sku
from mallcore.merchant import Configuration
from mallcore.money import Money
from mallcore.orders import Consignee
from mallcore.pricing import Tier, TieredAmountOff
from mallcore.testing.fakes import FakeClock

NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)
HOME = Consignee(name="Alice", phone="13800000000", region="330106", address="文三路 90 号")
SKU = "hot-tea"


def make_mall(dsn: str) -> tuple[Mall, PostgresDatabase]:
    """A Mall over ``dsn`` with one pooled connection, the clock standing still."""
    database = PostgresDatabase(dsn, min_size=1, max_size=1, statement_timeout=30)
    mall = Mall(
        storage=lambda: PostgresUnitOfWork(database),
        clock=FakeClock(NOW),
        events=InMemoryEventLog(),
        gateway=SimulatedGateway(secret=b"bench", prefix="b"),
        courier=SimulatedCourier(carrier="SF", prefix=""),
    )
    return mall, database


def set_up(dsn: str, *, promotions: int = 0) -> None:
    """The hot SKU on the shelf, with stock that never runs out.

    With ``promotions``, the shop is configured with that many 满减 rules
    (满100减5, 满101减5 ...), none of which a one-unit order reaches: every
    checkout reads and weighs them all.
    """
    mall, database = make_mall(dsn)
    price = Money("30.00", "CNY")
    sku = Sku(SKU, {}, price, price, stock=10**9)
    product = Product.single(SKU, "tea", "tea", sku, listing=Listing(ListingStatus.ON_SHELF))
    mall.save_product(product, stock={SKU: 10**9})
    if promotions:
        rules = [
            TieredAmountOff(
                id=f"full-{n}",
                tiers=[Tier(threshold=Money(100 + n, "CNY"), amount_off=Money(5, "CNY"))],
            )
            for n in range(promotions)
        ]
        mall.configure(Configuration(promotions=rules))
    database.close()


_start: Any = None
"""The round's barrier (set in each worker process): no side's clock starts while a process of
the round is still starting up (importing, connecting), which costs a CPU-bound side more."""


def _keep_start(barrier: Any) -> None:
    global _start
    _start = barrier


def mall_worker(dsn: str, worker: int, seconds: float) -> int:
    """Place orders through the Mall for ``seconds``, once every worker is ready; how many."""
    mall, database = make_mall(dsn)
    _start.wait()
    placed, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        mall_order(mall, f"M{worker}-{placed}", f"w{worker}-{placed}")
        placed += 1
    database.close()
    return placed


def mall_order(mall: Mall, order_id: str, customer_id: str) -> None:
    """One checkout through the Mall: one unit of the hot SKU, left unpaid."""
    mall.place_order(order_id, Checkout(customer_id=customer_id, items={SKU: 1}, consignee=HOME))


def hand_written_order(
    connection: psycopg.Connection[Any], order_id: str, customer_id: str
) -> None:
    """The baseline's checkout: reserve one unit of the hot SKU and insert the order, by hand."""
    expires = int((NOW + timedelta(minutes=30) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
    on_hand, reserved = connection.execute(
        "SELECT on_hand, reserved FROM stocks WHERE sku_id = %s FOR UPDATE", (SKU,)
    ).fetchone()  # type: ignore[misc]
    if on_hand - reserved < 1:
        raise AssertionError("the hot SKU ran out")
    connection.execute(
        "UPDATE stocks SET reserved = %s, version = version + 1 WHERE sku_id = %s",
        (reserved + 1, SKU),
    )
    connection.execute(
        "INSERT INTO stock_holds (sku_id, order_id, quantity, expires_us) VALUES (%s, %s, 1, %s)",
        (SKU, order_id, expires * 10**6),
    )
    order = {"id": order_id, "customer_id": customer_id, "lines": [[SKU, 1, "30.00"]]}
    connection.execute(
        "INSERT INTO orders (id, version, status, pay_by_us, customer_id, placed_at_us,"
        " value) VALUES (%s, 0, 'awaiting_payment', 0, %s, 0, %s)",
        (order_id, customer_id, json.dumps(order)),
    )
    connection.execute("COMMIT")


def sql_worker(dsn: str, worker: int, seconds: float) -> int:
    """Reserve one unit and insert an order by hand for ``seconds``, once every worker is ready;
    how many."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        _start.wait()
        placed, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            hand_written_order(connection, f"H{worker}-{placed}", f"h{worker}")
            placed += 1
    return placed


def _round(server: str, side: str, processes: int, seconds: float, promotions: int) -> float:
    work = mall_worker if side == "mall" else sql_worker
    with fresh_schema(server) as dsn:
        set_up(dsn, promotions=promotions)
        context = multiprocessing.get_context("spawn")
        start = context.Barrier(processes)
        with context.Pool(processes, initializer=_keep_start, initargs=(start,)) as pool:
            counts = pool.starmap(work, [(dsn, n, seconds) for n in range(processes)])
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--promotions", type=int, default=0, help="configure the shop with this many 满减 rules"
    )
    arguments = parser.parse_args()
    rates: dict[str, list[float]] = {"sql": [], "mall": []}
    with server_for_scripts() as server:
        for number in range(1, arguments.rounds + 1):
            for side in ("sql", "mall"):
                rate = _round(
                    server, side, arguments.processes, arguments.seconds, arguments.promotions
                )
                rates[side].append(rate)
            sql_rate, mall_rate = rates["sql"][-1], rates["mall"][-1]
            print(f"round {number}: SQL by hand {sql_rate:.0f}/s, Mall {mall_rate:.0f}/s")
    sql, mall = statistics.median(rates["sql"]), statistics.median(rates["mall"])
    print(
        f"medians: SQL by hand {sql:.0f} orders/s, Mall {mall:.0f} orders/s, ratio {mall / sql:.2f}"
    )


if __name__ == "__main__":
    main()
