"""Crashes and the outbox: a process placing orders, killed with SIGKILL at random.

Run ``make reliability`` (or ``python -m benchmarks.crash --backend postgres
--kills 20 --seconds 60``): a worker process places orders through the Mall
(and now and then relays the outbox) on one SQLite file or one PostgreSQL
schema; the parent kills it with SIGKILL at a random moment, checks the
stored state, starts a new worker, and so on. After each kill:

- no order without its holds: every unpaid order's units are reserved in
  the stock of each SKU it bought;
- no hold without its order: every reservation belongs to a stored order;
- stock is conserved: nothing was paid, so each SKU's ``on_hand`` is what it
  started with, and ``available`` is ``on_hand`` less what the orders hold;
- no event lost: every stored order has its OrderPlaced event in the outbox.

At the end the clock moves past every payment deadline and the expiry job
(``cancel_overdue_orders``) must give back every unit the unpaid orders held.
tests/services/test_crash.py runs the same with a few kills, in seconds.

Where the shop lives is named as in tests/services/_workers.py:
``sqlite:<path>`` or ``postgres:<dsn>``. On PostgreSQL the server may still be
finishing the killed worker's last statement (a ``COMMIT`` it had sent) when
the parent looks: the check starts only once the worker's sessions
(``application_name`` :data:`WORKER_APPLICATION`) are gone from
``pg_stat_activity``. ``--dsn`` names the server (else
``MALLCORE_TEST_POSTGRES_DSN``, else a throwaway cluster as the tests start,
tests/postgres_server.py); the run takes a new schema on it and drops it after.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from multiprocessing.synchronize import Event
from pathlib import Path

import attrs
from tests.services import _workers
from tests.services._workers import HOME, OPENING

from mallcore import Checkout
from mallcore.catalog import Listing, ListingStatus, Product, Sku, StockHold
from mallcore.errors import MallcoreError
from mallcore.money import Money
from mallcore.orders import Order, OrderPlaced, OrderStatus
from mallcore.ports import UnitOfWork

__all__ = ["BACKENDS", "WORKER_APPLICATION", "Figures", "check", "main", "run", "shop", "worker"]

BACKENDS = ("sqlite", "postgres")
"""Where a run can keep its shop, in the order ``make reliability`` runs them."""
SKUS = {"tea": 100_000, "cup": 100_000}
"""The SKUs on sale and their units on hand: more than any run sells."""
WORKER_APPLICATION = f"mallcore-crash-{os.getpid()}"
"""The ``application_name`` of the workers' PostgreSQL sessions (the parent's pid in it)."""


def open_shop(where: str) -> None:
    """Put the SKUs of :data:`SKUS` on sale in a new shop at ``where``."""
    mall = _workers.shop_on(where)
    for sku_id, units in SKUS.items():
        price = Money("10.00", "CNY")
        sku = Sku(sku_id, {}, price, price, stock=units)
        product = Product.single(
            sku_id, sku_id, "tea", sku, listing=Listing(ListingStatus.ON_SHELF)
        )
        mall.save_product(product, stock={sku_id: units})


def _for_worker(where: str) -> str:
    """``where`` as a worker opens it: on PostgreSQL, its sessions named for :func:`_settle`."""
    kind, _, place = where.partition(":")
    if kind != "postgres":
        return where
    from psycopg.conninfo import make_conninfo

    return f"postgres:{make_conninfo(place, application_name=WORKER_APPLICATION)}"


def _settle(where: str, *, timeout: float = 30.0) -> None:
    """Wait until the server has ended every session of the killed worker (PostgreSQL only)."""
    kind, _, place = where.partition(":")
    if kind != "postgres":
        return
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(place, autocommit=True) as connection:
        while True:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                (WORKER_APPLICATION,),
            ).fetchone()
            if row is None or row[0] == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the killed worker's sessions outlived {timeout} s")
            time.sleep(0.01)


def worker(where: str, life: int, ready: Event) -> None:
    """Place orders ``L<life>-<n>`` for ever (until killed), relaying every tenth."""
    mall = _workers.shop_on(where)
    rng = random.Random(life)
    ready.set()
    for n in range(1_000_000):
        items = {sku_id: rng.randint(1, 3) for sku_id in SKUS if rng.random() < 0.7} or {"tea": 1}
        checkout = Checkout(customer_id=f"c{rng.randint(1, 50)}", items=items, consignee=HOME)
        try:
            mall.place_order(f"L{life}-{n}", checkout)
        except MallcoreError:
            continue
        if n % 10 == 9:
            mall.relay_events(limit=50)


@attrs.frozen
class Figures:
    """What one check found: orders stored, and every broken rule (empty lists when none)."""

    orders: int
    unheld: list[str]
    """Unpaid orders whose units some stock does not hold."""
    orphans: list[str]
    """Holds in the stock of orders that are not stored."""
    unbalanced: list[str]
    """SKUs whose on_hand or available does not add up."""
    lost: list[str]
    """Orders without their OrderPlaced event in the outbox."""

    def broken(self) -> int:
        """How many rules were broken, counted one per order or SKU."""
        return len(self.unheld) + len(self.orphans) + len(self.unbalanced) + len(self.lost)


def _orders(uow: UnitOfWork, status: OrderStatus) -> list[Order]:
    found: list[Order] = []
    while page := uow.orders.with_status(status, limit=500, offset=len(found)):
        found.extend(page)
    return found


def _holds(uow: UnitOfWork, sku_id: str) -> dict[str, StockHold]:
    """Every hold on ``sku_id``, by order id."""
    found: dict[str, StockHold] = {}
    while page := uow.stock_holds.of_sku(sku_id, limit=500, offset=len(found)):
        found.update((hold.order_id, hold) for hold in page)
    return found


def check(where: str) -> Figures:
    """Check the rules of the module docstring on the shop at ``where``."""
    with _workers.unit_of_work(where) as uow:
        unpaid = _orders(uow, OrderStatus.AWAITING_PAYMENT)
        cancelled = _orders(uow, OrderStatus.CANCELLED)
        stocks = {sku_id: uow.stocks.get(sku_id) for sku_id in SKUS}
        held: Counter[str] = Counter()
        unheld = []
        holds = {sku_id: _holds(uow, sku_id) for sku_id in SKUS}
        for order in unpaid:
            for line in order.lines:
                held[line.sku_id] += line.quantity
                hold = holds[line.sku_id].get(order.id)
                if hold is None or hold.quantity != line.quantity:
                    unheld.append(order.id)
        stored = {order.id for order in unpaid}
        orphans = [
            f"{sku_id}/{order_id}"
            for sku_id, of_sku in holds.items()
            for order_id in of_sku
            if order_id not in stored
        ]
        unbalanced = [
            sku_id
            for sku_id, stock in stocks.items()
            if stock.on_hand != SKUS[sku_id] or stock.available != SKUS[sku_id] - held[sku_id]
        ]
        lost = [
            order.id
            for order in [*unpaid, *cancelled]
            if not any(
                isinstance(envelope.event, OrderPlaced)
                for envelope in uow.outbox.of_aggregate("order", order.id)
            )
        ]
    return Figures(len(unpaid) + len(cancelled), sorted(set(unheld)), orphans, unbalanced, lost)


def expire(where: str) -> tuple[int, int]:
    """Run the expiry job past every deadline; the orders it cancelled, the units still held."""
    report = _workers.shop_on(where, at=OPENING + timedelta(days=1)).cancel_overdue_orders()
    with _workers.unit_of_work(where) as uow:
        left = sum(uow.stocks.get(sku_id).reserved for sku_id in SKUS)
    return len(report.done), left


@attrs.frozen
class Run:
    """A whole run: the figures after each kill, then the expiry job's."""

    after_kill: list[Figures]
    seconds: float
    """The kills and the checks after them."""
    check_seconds: float
    """The checks alone (on PostgreSQL, with the wait for the killed worker's sessions)."""
    expired: int
    still_held: int
    expiry_seconds: float
    """The expiry job: one transaction per unpaid order."""


def run(where: str, *, kills: int, seconds: float, seed: int = 0) -> Run:
    """Open a shop at ``where``; ``kills`` times start a worker and SIGKILL it; check after each.

    ``where`` is ``sqlite:<path>`` (a new file) or ``postgres:<dsn>`` (an empty
    schema). Each worker is killed at a random moment within ``2 * seconds /
    kills`` of its start-up (its imports done, its storage open), so ``seconds``
    on average in all.
    """
    open_shop(where)
    rng = random.Random(seed)
    context = multiprocessing.get_context("spawn")
    figures = []
    checking = 0.0
    started = time.monotonic()
    for life in range(kills):
        ready = context.Event()
        process = context.Process(target=worker, args=(_for_worker(where), life, ready))
        process.start()
        ready.wait(timeout=60)
        time.sleep(rng.uniform(0, 2 * seconds / kills))
        process.kill()
        process.join()
        before = time.monotonic()
        _settle(where)
        figures.append(check(where))
        checking += time.monotonic() - before
    killed = time.monotonic()
    expired, still_held = expire(where)
    return Run(figures, killed - started, checking, expired, still_held, time.monotonic() - killed)


@contextlib.contextmanager
def shop(backend: str, *, seed: int, path: Path | None, dsn: str | None) -> Iterator[str]:
    """Where a run of ``backend`` keeps its new, empty shop (removed after, on PostgreSQL)."""
    if backend == "sqlite":
        path = path or Path(f"/tmp/mallcore-crash-{seed}.sqlite3")
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()
        yield f"sqlite:{path}"
        return
    from tests.postgres_server import fresh_schema, server_for_scripts

    with server_for_scripts(dsn) as server, fresh_schema(server) as schema:
        yield f"postgres:{schema}"


def main() -> None:
    """Print the figures of a run (``--backend``, ``--kills``, ``--seconds``, ``--seed``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--path", type=Path, default=None, help="the SQLite file (sqlite)")
    parser.add_argument("--dsn", default=None, help="the PostgreSQL server (postgres)")
    arguments = parser.parse_args()
    with shop(
        arguments.backend, seed=arguments.seed, path=arguments.path, dsn=arguments.dsn
    ) as where:
        result = run(where, kills=arguments.kills, seconds=arguments.seconds, seed=arguments.seed)
    print(f"{arguments.backend}:")
    print(f"{'kill':>4} {'orders':>7} {'unheld':>6} {'orphans':>7} {'unbalanced':>10} {'lost':>5}")
    for number, figures in enumerate(result.after_kill, start=1):
        print(
            f"{number:>4} {figures.orders:>7} {len(figures.unheld):>6} {len(figures.orphans):>7}"
            f" {len(figures.unbalanced):>10} {len(figures.lost):>5}"
        )
    print(
        f"{arguments.kills} kills and checks in {result.seconds:.1f} s (the checks"
        f" {result.check_seconds:.1f} s); the expiry job cancelled"
        f" {result.expired} unpaid orders in {result.expiry_seconds:.1f} s;"
        f" units still held after it: {result.still_held}"
    )
    broken = sum(figures.broken() for figures in result.after_kill) + result.still_held
    raise SystemExit(1 if broken else 0)


if __name__ == "__main__":
    main()
