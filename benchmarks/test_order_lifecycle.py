"""An order's whole lifecycle through the Mall, against the same steps on plain dicts.

One lifecycle: place (two units on the first line, one on each other),
start the payment, the payment's notification, start fulfilment (备货中),
ship, the courier's delivery scan, one after-sales refund of one unit
(through the gateway, its payment record and points), confirm receipt. It
runs on the in-memory store with 1 line and with 20 lines. The baseline
does the same bookkeeping on dicts in the same run (an order dict with a
status string, its lines, a payments dict, a packages list, a refunds list,
a history list): the difference is what the domain adds (pricing,
validation, the axes' tables, events, the unit of work). A third figure
times the Order aggregate's own commands of the lifecycle alone, with 1 and
20 lines: how the commands grow with the lines. The last times each Order
command that touches one line or one package (pay, start fulfilment, ship a
one-line package, deliver it, refund one unit, complete), from a fixed state,
on orders of 1, 20 and 100 lines: issue 13 asks that they do not grow with
the lines (the 20/1 and 100/1 ratios within 1.2).

Run with ``.venv/bin/python benchmarks/test_order_lifecycle.py`` (interleaved
blocks, medians and the ratio) or ``.venv/bin/python -m pytest
benchmarks/test_order_lifecycle.py --benchmark-only -q``.
"""

from __future__ import annotations

import itertools
import statistics
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from mallcore import Checkout, Mall
from mallcore.adapters import (
    InMemoryEventLog,
    InMemoryStore,
    InMemoryUnitOfWork,
    SimulatedCourier,
    SimulatedGateway,
)
from mallcore.catalog import Listing, ListingStatus, Product, Sku
from mallcore.money import Money
from mallcore.orders import Consignee, Order, OrderLine
from mallcore.ports import TrackingEvent, TrackingStatus
from mallcore.testing.fakes import FakeClock

NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)
HOME = Consignee(name="Alice", phone="13800000000", region="330106", address="文三路 90 号")
PRICES = [Decimal(1990 + 733 * n) / 100 for n in range(20)]


class Shop:
    """A Mall over the in-memory store with 20 SKUs that never run out."""

    def __init__(self) -> None:
        self.gateway = SimulatedGateway(secret=b"bench")
        store = InMemoryStore()
        self.mall = Mall(
            storage=lambda: InMemoryUnitOfWork(store),
            clock=FakeClock(NOW),
            events=InMemoryEventLog(),
            gateway=self.gateway,
            courier=SimulatedCourier(carrier="SF"),
        )
        for n, amount in enumerate(PRICES):
            price = Money(amount, "CNY")
            sku = Sku(f"sku-{n}", {}, price, price, stock=10**9)
            product = Product.single(
                f"p-{n}", f"tea {n}", "tea", sku, listing=Listing(ListingStatus.ON_SHELF)
            )
            self.mall.save_product(product, stock={sku.id: 10**9})
        self._ids = itertools.count()

    def lifecycle(self, lines: int) -> Callable[[], object]:
        """One whole lifecycle of a ``lines``-line order per call, each under a new id."""
        items = {f"sku-{n}": 2 if n == 0 else 1 for n in range(lines)}
        checkout = Checkout(customer_id="alice", items=items, consignee=HOME)
        mall = self.mall

        def run() -> object:
            order_id = f"O-{next(self._ids):09d}"
            mall.place_order(order_id, checkout)
            request = mall.start_payment(order_id)
            mall.handle_payment_notification(*self.gateway.pay(request.reference, at=NOW))
            mall.start_fulfilment(order_id)
            shipped = mall.ship_order(order_id)
            waybill = shipped.shipments[0].waybill
            mall.handle_tracking_event(
                TrackingEvent(waybill=waybill, status=TrackingStatus.DELIVERED, at=NOW)
            )
            mall.refund_order(order_id, "R-1", {"sku-0": 1}, reason="dented")
            return mall.confirm_receipt(order_id)

        return run


def by_dicts(lines: int) -> Callable[[], object]:
    """The same lifecycle as bookkeeping on dicts: no pricing, no checks, no events."""
    orders: dict[str, dict[str, Any]] = {}
    payments: dict[str, dict[str, Any]] = {}
    stock = {f"sku-{n}": 10**9 for n in range(20)}
    ids = itertools.count()

    def move(order: dict[str, Any], status: str, what: str) -> None:
        order["status"] = status
        order["version"] += 1
        order["history"].append((what, NOW))

    def run() -> object:
        order_id = f"O-{next(ids):09d}"
        items = [(f"sku-{n}", PRICES[n]) for n in range(lines)]
        for sku_id, _ in items:
            stock[sku_id] -= 1
        order: dict[str, Any] = {
            "id": order_id,
            "status": "awaiting_payment",
            "lines": [{"sku": sku, "paid": price, "refunded": 0} for sku, price in items],
            "payable": sum(price for _, price in items),
            "packages": [],
            "refunds": [],
            "history": [],
            "version": 0,
        }
        orders[order_id] = order
        payments[f"P-{order_id}"] = {"order": order_id, "amount": order["payable"], "refunds": []}
        move(order, "paid", "paid")
        move(order, "paid", "preparing")
        order["packages"].append({"waybill": f"SF{order_id}", "delivered": False})
        move(order, "shipped", "shipped")
        order["packages"][0]["delivered"] = True
        move(order, "delivered", "delivered")
        order["lines"][0]["refunded"] = 1
        refund = order["lines"][0]["paid"]
        order["refunds"].append(("R-1", refund))
        payments[f"P-{order_id}"]["refunds"].append(("R-1", refund))
        move(order, "delivered", "refund R-1")
        move(order, "completed", "completed")
        return order

    return run


def commands(lines: int) -> Callable[[], object]:
    """The Order aggregate's own commands of the same lifecycle, on one placed order."""
    shop = Shop()
    items = {f"sku-{n}": 2 if n == 0 else 1 for n in range(lines)}
    placed = shop.mall.place_order(
        "O-commands", Checkout(customer_id="alice", items=items, consignee=HOME)
    )

    def run() -> object:
        order, _ = placed.pay(payment_id="P-1", amount=placed.payable, at=NOW)
        order, _ = order.start_fulfilment(at=NOW)
        order, _ = order.ship(waybill="SF1", carrier="SF", at=NOW)
        order, _ = order.deliver_package("SF1", at=NOW)
        order, _ = order.refund("R-1", units={"sku-0": 1}, at=NOW, reason="dented")
        return order.complete(at=NOW)

    return run


SIZES = (1, 20, 100)


def one_line_commands(lines: int) -> dict[str, Callable[[], object]]:
    """Each command touching one line or one package, from a fixed state, on a ``lines`` order.

    The order is built directly (its first line of two units, each other of
    one): pay it, start fulfilment, ship one unit of the first line, deliver that
    package, refund one unit of a delivered order, complete it.
    """
    cny = Money(Decimal("19.90"), "CNY")
    placed = Order(
        id="O-bench",
        customer_id="alice",
        currency="CNY",
        lines=[
            OrderLine(
                line_id=f"L{n}",
                sku_id=f"sku-{n}",
                quantity=2 if n == 0 else 1,
                unit_payables=[cny] * (2 if n == 0 else 1),
            )
            for n in range(lines)
        ],
        freight=Money(Decimal("8.00"), "CNY"),
        placed_at=NOW,
        pay_by=NOW.replace(hour=13),
    )
    paid, _ = placed.pay(payment_id="P-1", amount=placed.payable, at=NOW)
    preparing, _ = paid.start_fulfilment(at=NOW)
    one_sent, _ = preparing.ship(waybill="SF1", carrier="SF", at=NOW, items={"L0": 1})
    all_sent, _ = preparing.ship(waybill="SF1", carrier="SF", at=NOW)
    delivered, _ = all_sent.deliver_package("SF1", at=NOW)
    return {
        "pay": lambda: placed.pay(payment_id="P-1", amount=placed.payable, at=NOW),
        "start fulfilment": lambda: paid.start_fulfilment(at=NOW),
        "ship one line": lambda: preparing.ship(
            waybill="SF1", carrier="SF", at=NOW, items={"L0": 1}
        ),
        "deliver package": lambda: one_sent.deliver_package("SF1", at=NOW),
        "refund one unit": lambda: delivered.refund(
            "R-1", units={"L0": 1}, at=NOW, reason="dented"
        ),
        "complete": lambda: delivered.complete(at=NOW),
    }


def per_command(blocks: int = 15, calls: int = 50) -> dict[str, dict[int, float]]:
    """Median µs per call of each one-line command per order size, timed in turns."""
    runs = {size: one_line_commands(size) for size in SIZES}
    times: dict[str, dict[int, list[float]]] = {
        name: {size: [] for size in SIZES} for name in runs[1]
    }
    for _ in range(blocks):
        for name in times:
            for size in SIZES:
                times[name][size].append(
                    timeit.timeit(runs[size][name], number=calls) / calls * 1e6
                )
    return {
        name: {size: statistics.median(found) for size, found in sizes.items()}
        for name, sizes in times.items()
    }


def interleaved(lines: int, blocks: int = 9, calls: int = 10) -> tuple[float, float]:
    """Median µs per lifecycle of the dicts and of the Mall, timed in turns."""
    shop = Shop()
    mall, dicts = shop.lifecycle(lines), by_dicts(lines)
    mall_times, dict_times = [], []
    for _ in range(blocks):
        dict_times.append(timeit.timeit(dicts, number=calls) / calls * 1e6)
        mall_times.append(timeit.timeit(mall, number=calls) / calls * 1e6)
    return statistics.median(dict_times), statistics.median(mall_times)


@pytest.fixture(scope="module")
def shop() -> Shop:
    return Shop()


@pytest.mark.parametrize("lines", [1, 20])
def test_an_order_lifecycle_through_the_mall(
    shop: Shop, benchmark: BenchmarkFixture, lines: int
) -> None:
    benchmark(shop.lifecycle(lines))


@pytest.mark.parametrize("lines", [1, 20])
def test_the_same_lifecycle_on_dicts(benchmark: BenchmarkFixture, lines: int) -> None:
    benchmark(by_dicts(lines))


@pytest.mark.parametrize("lines", [1, 20])
def test_the_order_aggregates_commands_alone(benchmark: BenchmarkFixture, lines: int) -> None:
    benchmark(commands(lines))


@pytest.mark.parametrize("lines", SIZES)
@pytest.mark.parametrize(
    "command",
    ["pay", "start fulfilment", "ship one line", "deliver package", "refund one unit", "complete"],
)
def test_each_one_line_command(benchmark: BenchmarkFixture, command: str, lines: int) -> None:
    benchmark(one_line_commands(lines)[command])


if __name__ == "__main__":
    for size in (1, 20):
        dict_median, mall_median = interleaved(size)
        print(
            f"{size:>2} lines: dicts {dict_median:,.1f} µs, Mall {mall_median:,.0f} µs,"
            f" ratio {mall_median / dict_median:,.0f}"
        )
    alone = {size: commands(size) for size in (1, 20)}
    times: dict[int, list[float]] = {1: [], 20: []}
    for _ in range(9):
        for size, run in alone.items():
            times[size].append(timeit.timeit(run, number=20) / 20 * 1e6)
    one, twenty = (statistics.median(times[size]) for size in (1, 20))
    print(
        f"Order commands alone (pay, prepare, ship, deliver, refund, complete):"
        f" 1 line {one:,.0f} µs, 20 lines {twenty:,.0f} µs, ratio {twenty / one:.1f}"
    )
    print("Each command on one line or package (medians, µs), by order size:")
    for name, sizes in per_command().items():
        one = sizes[1]
        print(
            f"  {name:<17} "
            + "  ".join(f"{size:>3} lines {sizes[size]:7.1f}" for size in SIZES)
            + f"  20/1 {sizes[20] / one:.2f}  100/1 {sizes[100] / one:.2f}"
        )
