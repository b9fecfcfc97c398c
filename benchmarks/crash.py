"""Crashes and the outbox: a process placing orders on SQLite, killed with SIGKILL at random.

Run ``make reliability`` (or ``python -m benchmarks.crash --kills 20 --seconds 90``):
a worker process places orders through the Mall (and now and then relays the
outbox) on one SQLite file; the parent kills it with SIGKILL at a random
moment, checks the file, starts a new worker, and so on. After each kill:

- no order without its holds: every unpaid order's units are reserved in
  the stock of each SKU it bought;
- no hold without its order: every reservation belongs to a stored order;
- stock is conserved: nothing was paid, so each SKU's ``on_hand`` is what it
  started with, and ``available`` is ``on_hand`` less what the orders hold;
- no event lost: every stored order has its OrderPlaced event in the outbox.

At the end the clock moves past every payment deadline and the expiry job
(``cancel_overdue_orders``) must give back every unit the unpaid orders held.
tests/services/test_crash.py runs the same with a few kills, in seconds.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from collections import Counter
from datetime import timedelta
from multiprocessing.synchronize import Event
from pathlib import Path

import attrs
from tests.services._workers import OPENING

from mallcore import Checkout, Mall
from mallcore.adapters import InMemoryEventLog, SimulatedCourier, SimulatedGateway, SqliteUnitOfWork
from mallcore.catalog import Listing, ListingStatus, Product, Sku, StockHold
from mallcore.errors import MallcoreError
from mallcore.money import Money
from mallcore.orders import Consignee, Order, OrderPlaced, OrderStatus
from mallcore.ports import UnitOfWork
from mallcore.testing.fakes import FakeClock

__all__ = ["Figures", "check", "main", "run", "worker"]

HOME = Consignee(name="张三", phone="13800000000", region="330106", address="文三路 90 号")
SKUS = {"tea": 100_000, "cup": 100_000}
"""The SKUs on sale and their units on hand: more than any run sells."""


def _mall(path: Path, clock: FakeClock) -> Mall:
    return Mall(
        storage=lambda: SqliteUnitOfWork(path, timeout=30),
        clock=clock,
        events=InMemoryEventLog(),
        gateway=SimulatedGateway(secret=b"crash"),
        courier=SimulatedCourier(carrier="SF"),
    )


def open_shop(path: Path) -> None:
    """Put the SKUs of :data:`SKUS` on sale in a new shop on ``path``."""
    mall = _mall(path, FakeClock(OPENING))
    for sku_id, units in SKUS.items():
        price = Money("10.00", "CNY")
        sku = Sku(sku_id, {}, price, price, stock=units)
        product = Product.single(
            sku_id, sku_id, "tea", sku, listing=Listing(ListingStatus.ON_SHELF)
        )
        mall.save_product(product, stock={sku_id: units})


def worker(path: str, life: int, ready: Event) -> None:
    """Place orders ``L<life>-<n>`` for ever (until killed), relaying every tenth."""
    mall = _mall(Path(path), FakeClock(OPENING))
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


def check(path: Path) -> Figures:
    """Check the rules of the module docstring on the shop at ``path``."""
    with SqliteUnitOfWork(path) as uow:
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


def expire(path: Path) -> tuple[int, int]:
    """Run the expiry job past every deadline; the orders it cancelled, the units still held."""
    clock = FakeClock(OPENING)
    clock.advance(timedelta(days=1))
    report = _mall(path, clock).cancel_overdue_orders()
    with SqliteUnitOfWork(path) as uow:
        left = sum(uow.stocks.get(sku_id).reserved for sku_id in SKUS)
    return len(report.done), left


@attrs.frozen
class Run:
    """A whole run: the figures after each kill, then the expiry job's."""

    after_kill: list[Figures]
    seconds: float
    """The kills and the checks after them."""
    expired: int
    still_held: int
    expiry_seconds: float
    """The expiry job: one transaction (and fsync) per unpaid order."""


def run(path: Path, *, kills: int, seconds: float, seed: int = 0) -> Run:
    """Open a shop on ``path``; ``kills`` times start a worker and SIGKILL it; check after each.

    Each worker is killed at a random moment within ``2 * seconds / kills``
    of its start-up (its imports done), so ``seconds`` on average in all.
    """
    open_shop(path)
    rng = random.Random(seed)
    context = multiprocessing.get_context("spawn")
    figures = []
    started = time.monotonic()
    for life in range(kills):
        ready = context.Event()
        process = context.Process(target=worker, args=(str(path), life, ready))
        process.start()
        ready.wait(timeout=60)
        time.sleep(rng.uniform(0, 2 * seconds / kills))
        process.kill()
        process.join()
        figures.append(check(path))
    killed = time.monotonic()
    expired, still_held = expire(path)
    return Run(figures, killed - started, expired, still_held, time.monotonic() - killed)


def main() -> None:
    """Print the figures of a run (``--kills``, ``--seconds``, ``--seed``) on a temporary file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--path", type=Path, default=None)
    arguments = parser.parse_args()
    path = arguments.path or Path(f"/tmp/mallcore-crash-{arguments.seed}.sqlite3")
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()
    result = run(path, kills=arguments.kills, seconds=arguments.seconds, seed=arguments.seed)
    print(f"{'kill':>4} {'orders':>7} {'unheld':>6} {'orphans':>7} {'unbalanced':>10} {'lost':>5}")
    for number, figures in enumerate(result.after_kill, start=1):
        print(
            f"{number:>4} {figures.orders:>7} {len(figures.unheld):>6} {len(figures.orphans):>7}"
            f" {len(figures.unbalanced):>10} {len(figures.lost):>5}"
        )
    print(
        f"{arguments.kills} kills and checks in {result.seconds:.1f} s; the expiry job cancelled"
        f" {result.expired} unpaid orders in {result.expiry_seconds:.1f} s;"
        f" units still held after it: {result.still_held}"
    )
    broken = sum(figures.broken() for figures in result.after_kill) + result.still_held
    raise SystemExit(1 if broken else 0)


if __name__ == "__main__":
    main()
