"""The in-memory storage adapter: the storage contract, and races between threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork
from mallcore.catalog import DEFAULT_HOLD as HOLD
from mallcore.catalog import Stock
from mallcore.errors import OutOfStock, StaleVersion
from mallcore.services._stock import hold_stock
from mallcore.testing.contracts import UnitOfWorkContract
from mallcore.testing.contracts.storage import NewUnitOfWork

NOW = datetime(2026, 11, 11, tzinfo=UTC)


class TestInMemoryStorage(UnitOfWorkContract):
    @pytest.fixture
    def new_uow(self) -> NewUnitOfWork:
        store = InMemoryStore()
        return lambda: InMemoryUnitOfWork(store)


def test_threads_racing_for_the_last_units_never_oversell() -> None:
    store = InMemoryStore()
    with InMemoryUnitOfWork(store) as uow:
        uow.stocks.save(Stock.for_sku("flash-sale-tea", 7))
        uow.commit()
    won: list[str] = []

    def buy(order_id: str) -> None:
        while True:
            with InMemoryUnitOfWork(store) as uow:
                try:
                    hold_stock(
                        uow,
                        uow.stocks.get("flash-sale-tea"),
                        order_id,
                        1,
                        NOW,
                        hold=HOLD,
                        held=None,
                    )
                    uow.commit()
                except OutOfStock:
                    return
                except StaleVersion:
                    continue
                won.append(order_id)
                return

    threads = [threading.Thread(target=buy, args=(f"O-{n}",)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with InMemoryUnitOfWork(store) as uow:
        stock = uow.stocks.get("flash-sale-tea")
        holds = uow.stock_holds.of_sku("flash-sale-tea", limit=50)
    assert len(won) == 7
    assert stock.available == 0
    assert sorted(h.order_id for h in holds) == sorted(won)
