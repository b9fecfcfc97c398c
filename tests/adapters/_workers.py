"""What the spawned processes of tests/adapters/test_sqlite.py run.

A module of its own, importing only the SQLite adapter: a spawned process
imports the module of its target, and importing the test module would bring
pytest, Hypothesis and the contract suite into each of them.
"""

from __future__ import annotations

from pathlib import Path
from threading import Barrier
from typing import Protocol

from mallcore.adapters import SqliteUnitOfWork
from mallcore.errors import LimitReached, StaleVersion


class Results(Protocol):
    """The part of a multiprocessing queue the workers use."""

    def put(self, item: object) -> None:
        """Send ``item`` to the parent."""


def count_once(path: Path, start: Barrier, key: str, limit: int, results: Results) -> None:
    """Open the database (perhaps new) with the others, add 1 to ``key``: "ok" or "limit"."""
    start.wait()
    with SqliteUnitOfWork(path, timeout=30) as uow:
        uow.counters.add(key, 1, limit=limit)
        try:
            uow.commit()
        except LimitReached:
            results.put("limit")
            return
    results.put("ok")


def restock_under_lock(
    path: Path, start: Barrier, sku_id: str, times: int, results: Results
) -> None:
    """Read, change and save ``sku_id``'s stock ``times`` times under the write lock."""
    start.wait()
    stale = 0
    for _ in range(times):
        with SqliteUnitOfWork(path, timeout=30) as uow:
            uow.lock()
            stock, _ = uow.stocks.get(sku_id).restock(1)
            uow.stocks.save(stock)
            try:
                uow.commit()
            except StaleVersion:
                stale += 1
    results.put(stale)
