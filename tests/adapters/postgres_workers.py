"""What the PostgreSQL tests run in spawned processes.

Kept apart from the test modules so that a spawned process imports
mallcore's adapter and psycopg, not pytest and Hypothesis.
"""

from __future__ import annotations

from datetime import UTC, datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork
from mallcore.catalog import DEFAULT_HOLD
from mallcore.errors import LimitReached, OutOfStock, StaleVersion
from mallcore.services._stock import hold_stock

__all__ = ["buy", "claim", "open_database"]

NOW = datetime(2026, 11, 11, tzinfo=UTC)


def open_database(dsn: str, start: Barrier) -> None:
    """Open (and so migrate) the database the moment every other process is ready too."""
    start.wait()
    PostgresDatabase(dsn, min_size=0).close()


def claim(dsn: str, start: Barrier, key: str, attempts: int, limit: int, won: Queue[int]) -> None:
    """Add 1 to the counter ``key`` within ``limit``, ``attempts`` times; put how many held."""
    with PostgresDatabase(dsn, min_size=0, max_size=1) as database:
        start.wait()
        held = 0
        for _ in range(attempts):
            with PostgresUnitOfWork(database) as uow:
                uow.counters.add(key, 1, limit=limit)
                try:
                    uow.commit()
                except LimitReached:
                    continue
                held += 1
        won.put(held)


def buy(dsn: str, start: Barrier, sku_id: str, buyers: list[str], won: Queue[list[str]]) -> None:
    """Reserve one unit of ``sku_id`` for each buyer, retrying lost races; put who got one."""
    with PostgresDatabase(dsn, min_size=0, max_size=1) as database:
        start.wait()
        got = []
        for order_id in buyers:
            while True:
                with PostgresUnitOfWork(database) as uow:
                    try:
                        hold_stock(
                            uow,
                            uow.stocks.get(sku_id),
                            order_id,
                            1,
                            NOW,
                            hold=DEFAULT_HOLD,
                            held=None,
                        )
                        uow.commit()
                    except OutOfStock:
                        break
                    except StaleVersion:
                        continue
                    got.append(order_id)
                    break
        won.put(got)
