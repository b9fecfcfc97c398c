"""The in-memory storage adapter: the storage contract, and races between threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork
from mallcore.catalog import Stock
from mallcore.errors import OutOfStock, StaleVersion
from mallcore.testing.contracts import UnitOfWorkContract
from mallcore.testing.contracts.storage import NewUnitOfWork

NOW = datetime(2026, 11, 11, tzinfo=UTC)


AWAITING_THE_MEMORY_ADAPTER = frozenset(
    {
        "test_a_counter_never_counted_is_zero",
        "test_a_counter_never_goes_below_zero",
        "test_a_counter_never_passes_its_limit",
        "test_a_customers_orders_page_newest_first",
        "test_a_limit_reached_keeps_nothing_of_the_unit_of_work",
        "test_a_locked_unit_of_work_left_without_commit_keeps_nothing",
        "test_a_locked_unit_of_work_queries_its_own_pending_saves",
        "test_a_locked_unit_of_work_reads_decides_and_commits",
        "test_a_member_reads_back_and_saves_by_version",
        "test_a_page_out_of_bounds_is_refused",
        "test_additions_to_one_key_apply_in_order",
        "test_configuration_versions_are_appended_and_never_changed",
        "test_members_are_found_by_birthday_and_registration_time",
        "test_no_configuration_is_not_found",
        "test_orders_in_a_status_page_oldest_first",
        "test_products_of_a_category_page_by_id_and_status",
        "test_the_limit_counts_what_others_committed_meanwhile",
        "test_the_second_of_two_racing_configuration_edits_fails",
    }
)
"""Contract tests of the ports whose in-memory side is on main, not on this branch yet.

They are marked xfail while the adapter lacks those ports, and run once it has them.
"""


class TestInMemoryStorage(UnitOfWorkContract):
    @pytest.fixture
    def new_uow(self, request: pytest.FixtureRequest) -> NewUnitOfWork:
        store = InMemoryStore()
        lacking = not hasattr(InMemoryUnitOfWork(store), "counters")
        if lacking and request.node.originalname in AWAITING_THE_MEMORY_ADAPTER:
            pytest.xfail("the in-memory adapter of this port is on main, not merged here yet")
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
                    stock, _ = uow.stocks.get("flash-sale-tea").reserve(order_id, 1, NOW)
                except OutOfStock:
                    return
                uow.stocks.save(stock)
                try:
                    uow.commit()
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
    assert len(won) == 7
    assert stock.available == 0
    assert sorted(r.order_id for r in stock.reservations) == sorted(won)
