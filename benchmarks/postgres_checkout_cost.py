"""What one hot-SKU checkout costs on PostgreSQL, in one process: statements, time, CPU.

``.venv/bin/python -m benchmarks.postgres_checkout_cost`` starts a throwaway
cluster (or uses ``MALLCORE_TEST_POSTGRES_DSN``) and, on a new schema, times
blocks of ``--orders`` checkouts of the two sides of
:mod:`benchmarks.postgres_throughput` in turns, ``--runs`` blocks each (after
50 of each to warm up; ``--promotions N`` configures the shop with N 满减
rules first, as a shop's configuration would be):

- **Mall**: ``Mall.place_order`` of one unit, every order a new customer's;
- **SQL by hand**: the baseline's reserve and insert.

It prints, per order, the medians over the blocks of: the statements sent
(counted by wrapping psycopg's ``execute`` and ``executemany``, ``BEGIN`` and
``COMMIT`` included), the wall time, the client's CPU
(``time.process_time``) and the server's: the CPU of the session's backend
process, read from ``/proc``, when the server runs on this machine (else
"not measured"). It is what docs/reliability.md's table of one checkout's
cost comes from; the rate of several processes is
:mod:`benchmarks.postgres_throughput`'s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from tests.postgres_server import fresh_schema, server_for_scripts

from benchmarks.postgres_throughput import hand_written_order, make_mall, mall_order, set_up

WARM_UP = 50
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def counted_statements() -> Iterator[list[int]]:
    """Count the statements psycopg sends while inside; the count is the list's one item."""
    count = [0]
    originals = psycopg.Connection.execute, psycopg.Cursor.executemany

    def counting(original: Callable[..., Any]) -> Callable[..., Any]:
        def send(self: Any, *args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            return original(self, *args, **kwargs)

        return send

    psycopg.Connection.execute = counting(originals[0])  # type: ignore[method-assign]
    psycopg.Cursor.executemany = counting(originals[1])  # type: ignore[method-assign]
    try:
        yield count
    finally:
        psycopg.Connection.execute, psycopg.Cursor.executemany = originals  # type: ignore[method-assign]


def backend_seconds(pid: int) -> float | None:
    """CPU seconds the server process ``pid`` has used, or None when it is not on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def measure(
    place: Callable[[str], None], prefix: str, orders: int, backend: int
) -> dict[str, float | None]:
    """Per order: statements, wall ms, client and server CPU ms of ``orders`` checkouts.

    ``place`` is given each order's id, ``prefix`` and a number.
    """
    server_before = backend_seconds(backend)
    cpu, wall = time.process_time(), time.perf_counter()
    with counted_statements() as count:
        for number in range(orders):
            place(f"{prefix}{number}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server_after = backend_seconds(backend)
    server = None
    if server_before is not None and server_after is not None:
        server = (server_after - server_before) / orders * 1000
    return {
        "statements": count[0] / orders,
        "wall ms": wall / orders * 1000,
        "client CPU ms": cpu / orders * 1000,
        "server CPU ms": server,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--promotions", type=int, default=0, help="configure the shop with this many 满减 rules"
    )
    arguments = parser.parse_args()
    blocks: dict[str, list[dict[str, float | None]]] = {"Mall": [], "SQL by hand": []}
    with server_for_scripts() as server, fresh_schema(server) as dsn:
        set_up(dsn, promotions=arguments.promotions)
        mall, database = make_mall(dsn)
        lent = database.borrow()
        mall_backend = lent.info.backend_pid
        database.give_back(lent)
        with psycopg.connect(dsn, autocommit=True) as connection:
            sides: dict[str, tuple[Callable[[str], None], int]] = {
                "Mall": (lambda n: mall_order(mall, n, f"c{n}"), mall_backend),
                "SQL by hand": (
                    lambda n: hand_written_order(connection, n, f"h{n}"),
                    connection.info.backend_pid,
                ),
            }
            for run in range(arguments.runs + 1):
                for side, (place, backend) in sides.items():
                    orders = WARM_UP if run == 0 else arguments.orders
                    figures = measure(place, f"{side[0]}{run}-", orders, backend)
                    if run:
                        blocks[side].append(figures)
        database.close()
    print(f"medians of {arguments.runs} blocks of {arguments.orders} orders, per order:")
    for side, measured in blocks.items():
        parts = []
        for name in measured[0]:
            values = [block[name] for block in measured]
            known = [value for value in values if value is not None]
            shown = (
                f"{statistics.median(known):.2f}" if len(known) == len(values) else "not measured"
            )
            parts.append(f"{name} {shown}")
        print(f"{side}: " + ", ".join(parts))


if __name__ == "__main__":
    main()
