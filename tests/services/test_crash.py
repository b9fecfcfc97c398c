"""A process placing orders, killed with SIGKILL at random: nothing half-done, no event lost.

The short version of ``make reliability`` (benchmarks/crash.py, docs/reliability.md), on
a SQLite file and on a PostgreSQL schema (the ``where`` fixture of tests/services/conftest.py).
"""

from __future__ import annotations

from benchmarks import crash


def test_a_process_killed_while_placing_orders_leaves_every_order_whole_with_its_event(
    where: str,
) -> None:
    result = crash.run(where, kills=3, seconds=2, seed=12)

    assert [figures.broken() for figures in result.after_kill] == [0, 0, 0]
    assert result.after_kill[-1].orders > 0
    assert result.expired == result.after_kill[-1].orders
    assert result.still_held == 0
