"""Limits that hold under real concurrency: processes (spawn) racing on one database.

Each race runs on a SQLite file and on a PostgreSQL schema (the ``where`` fixture of
tests/services/conftest.py).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from multiprocessing.pool import Pool
from pathlib import Path

import attrs
import pytest

from mallcore import Checkout
from mallcore.adapters import SimulatedGateway
from mallcore.catalog import Sku, Stock, StockPolicy
from mallcore.coupons import CouponState, CouponTemplate, IssueLimits, UseLimits
from mallcore.loyalty import EarningPolicy
from mallcore.money import Money
from mallcore.orders import OrderStatus, OrderStatusChanged
from mallcore.pricing.rules import FlashSale, Limits, Tier, TieredAmountOff
from mallcore.services import counters
from tests.services import _workers
from tests.services._workers import HOME, OPENING
from tests.services.conftest import give_points, on_sale
from tests.services.test_wallet import TEN_OFF_100

PROCESSES = 16
FIVE_AT_ONE_YUAN = FlashSale(
    id="flash-tea", price=Money("1.00", "CNY"), allotment=5, per_customer=1
)
"""¥1 tea (list price ¥60), five units for the whole shop, one per customer (秒杀)."""
ONCE_EACH_10_OFF_100 = TieredAmountOff(
    id="full-100",
    tiers=[Tier(Money("100", "CNY"), Money("10", "CNY"))],
    limits=Limits(per_customer=1),
)
"""满100减10, once per customer."""


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    """Sixteen processes (spawn), started once for the module: each race runs one call in each."""
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as workers:
        yield workers


def _shop(where: str, template: CouponTemplate, *claims: str) -> list[str]:
    """A shop with tea (100 units), a cup (100) and ``template``; the claimed coupons."""
    mall = _workers.shop_on(where)
    for sku_id, price in (("tea", "60.00"), ("cup", "30.00")):
        sku = Sku(sku_id, {}, Money(price, "CNY"), Money(price, "CNY"), stock=100)
        mall.save_product(on_sale(sku), stock={sku_id: 100})
    mall.save_coupon_template(template)
    return [mall.claim_coupon(customer, template.id).id for customer in claims]


def test_sixteen_customers_racing_for_a_coupon_used_once_in_all_get_one_order(
    pool: Pool, where: str
) -> None:
    once = attrs.evolve(TEN_OFF_100, use=UseLimits(total=1))
    customers = [f"c{n}" for n in range(PROCESSES)]
    coupons = _shop(where, once, *customers)

    outcomes = pool.starmap(
        _workers.place_with_coupon,
        [(where, f"O-{n}", customers[n], coupons[n]) for n in range(PROCESSES)],
    )

    assert Counter(outcomes) == {"placed": 1, "CouponUnavailable:limit_reached": 15}


def test_one_customer_in_sixteen_processes_uses_a_once_per_customer_coupon_once(
    pool: Pool, where: str
) -> None:
    mine = attrs.evolve(
        TEN_OFF_100, issue=IssueLimits(per_customer=PROCESSES), use=UseLimits(per_customer=1)
    )
    coupons = _shop(where, mine, *["alice"] * PROCESSES)

    outcomes = pool.starmap(
        _workers.place_with_coupon,
        [(where, f"O-{n}", "alice", coupons[n]) for n in range(PROCESSES)],
    )

    assert Counter(outcomes) == {"placed": 1, "CouponUnavailable:limit_reached": 15}


def test_sixteen_customers_racing_for_a_flash_sale_of_five_get_five_at_its_price(
    pool: Pool, where: str
) -> None:
    _shop(where, TEN_OFF_100)
    mall = _workers.shop_on(where)
    mall.configure(attrs.evolve(mall.configuration(), promotions=[FIVE_AT_ONE_YUAN]))
    customers = [f"c{n}" for n in range(PROCESSES)]

    outcomes = pool.starmap(
        _workers.place, [(where, f"O-{n}", customers[n], {"tea": 1}) for n in range(PROCESSES)]
    )

    # Past the allotment the Mall prices again: the tea at its list price, placed.
    assert Counter(outcomes) == {"placed 1.00 CNY": 5, "placed 60.00 CNY": 11}
    lucky = {customers[n] for n, outcome in enumerate(outcomes) if outcome == "placed 1.00 CNY"}
    with _workers.unit_of_work(where) as uow:
        sold = uow.counters.value(counters.flash_units(FIVE_AT_ONE_YUAN.id))
        each = {
            customer: uow.counters.value(counters.flash_units_by(FIVE_AT_ONE_YUAN.id, customer))
            for customer in customers
        }
        uses = uow.counters.value(counters.rule_uses(FIVE_AT_ONE_YUAN.id))
        holds = uow.stock_holds.of_sku("tea", limit=500)
    assert sold == uses == 5
    assert each == {customer: int(customer in lucky) for customer in customers}
    assert len(holds) == PROCESSES


def test_one_customer_in_eight_processes_gets_a_once_per_customer_promotion_once(
    pool: Pool, where: str
) -> None:
    _shop(where, TEN_OFF_100)
    mall = _workers.shop_on(where)
    mall.configure(attrs.evolve(mall.configuration(), promotions=[ONCE_EACH_10_OFF_100]))

    outcomes = pool.starmap(
        _workers.place, [(where, f"O-{n}", "alice", {"tea": 2}) for n in range(8)]
    )

    # Past the customer's limit the Mall prices again: without the promotion, placed.
    assert Counter(outcomes) == {"placed 110.00 CNY": 1, "placed 120.00 CNY": 7}
    with _workers.unit_of_work(where) as uow:
        mine = uow.counters.value(counters.rule_uses_by(ONCE_EACH_10_OFF_100.id, "alice"))
        in_all = uow.counters.value(counters.rule_uses(ONCE_EACH_10_OFF_100.id))
    assert mine == in_all == 1


def test_sixteen_claims_of_a_template_with_ten_left_issue_exactly_ten(
    pool: Pool, where: str
) -> None:
    ten_left = attrs.evolve(TEN_OFF_100, issue=IssueLimits(total=12))
    _shop(where, ten_left, "early-1", "early-2")

    outcomes = pool.starmap(
        _workers.claim, [(where, f"c{n}", ten_left.id) for n in range(PROCESSES)]
    )

    assert Counter(outcomes) == {"claimed": 10, "CouponUnavailable:issue_limit_reached": 6}


@pytest.mark.parametrize("policy", list(StockPolicy))
def test_eight_processes_buying_a_hundred_cups_sell_exactly_a_hundred(
    pool: Pool, where: str, policy: StockPolicy
) -> None:
    _shop(where, TEN_OFF_100)
    with _workers.unit_of_work(where) as uow:
        uow.stocks.save(attrs.evolve(Stock.for_sku("cup", 100, policy=policy), version=1))
        uow.commit()

    per_worker = pool.starmap(_workers.buy, [(where, worker, 30) for worker in range(8)])

    outcomes = Counter(outcome for outcomes in per_worker for outcome in outcomes)
    assert outcomes == {"placed": 100, "OutOfStock": 140}
    stock = _workers.shop_on(where).stock("cup")
    with _workers.unit_of_work(where) as uow:
        holds = uow.stock_holds.of_sku("cup", limit=500)
        numbered = [envelope.sequence for envelope in uow.outbox.of_aggregate("stock", "cup")]
    assert stock.available == 0
    assert len(holds) == 100
    # eight writers appended to the cup's events at once: numbered at commit, no gap, no repeat
    assert numbered == list(range(1, 101))


def test_eight_processes_delivering_one_payment_notification_pay_once(
    pool: Pool, where: str
) -> None:
    (coupon,) = _shop(where, TEN_OFF_100, "alice")
    give_points(_workers.unit_of_work(where), 1_000)
    gateway = SimulatedGateway(secret=b"test-secret")
    mall = _workers.shop_on(where, gateway=gateway)
    mall.configure(attrs.evolve(mall.configuration(), earning=EarningPolicy()))
    checkout = Checkout(
        customer_id="alice", items={"tea": 2}, coupons=[coupon], consignee=_workers.HOME
    )
    order = mall.place_order("O-1", checkout)
    body, headers = gateway.pay(mall.start_payment("O-1").reference, at=_workers.OPENING)

    outcomes = pool.starmap(_workers.notify, [(where, body, headers)] * 8)

    assert Counter(outcomes) == {"paid": 1, "already_applied": 7}
    with _workers.unit_of_work(where) as uow:
        paid = uow.orders.get("O-1")
        account = uow.points.get("alice")
        moves = [
            envelope.event
            for envelope in uow.outbox.of_aggregate("order", "O-1")
            if isinstance(envelope.event, OrderStatusChanged)
        ]
        assert paid.status is OrderStatus.PAID
        assert paid.payment_id is not None
        assert uow.coupons.get(coupon).state is CouponState.USED
        assert account.pending_points == order.points_to_earn > 0
        assert [move.target for move in moves] == [OrderStatus.PAID]


def test_eight_relays_in_processes_publish_every_event_once_each_aggregates_in_order(
    pool: Pool, where: str, tmp_path: Path
) -> None:
    lines = tmp_path / "published.txt"
    _shop(where, TEN_OFF_100)
    mall = _workers.shop_on(where)
    for n in range(30):
        checkout = Checkout(
            customer_id=f"c{n % 4}", items={"tea": 1, "cup": 1}, consignee=_workers.HOME
        )
        mall.place_order(f"O-{n}", checkout)

    relayed = pool.starmap(_workers.relay, [(where, str(lines))] * 8)
    # On PostgreSQL a relay that finds every envelope held by the others gets none and
    # stops; the host's next scheduled run hands on what is left.
    relayed.append(_workers.relay(where, str(lines)))

    published = [line.split() for line in lines.read_text(encoding="utf-8").splitlines()]
    sequences: dict[str, list[int]] = {}
    for _, aggregate, sequence in published:
        sequences.setdefault(aggregate, []).append(int(sequence))
    assert sum(relayed) == len(published) == len({event_id for event_id, _, _ in published})
    assert len(sequences) == 30 + 2
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in sequences.values())


def test_three_workers_running_the_unpaid_order_job_at_once_cancel_each_order_once(
    pool: Pool, where: str
) -> None:
    _shop(where, TEN_OFF_100)
    mall = _workers.shop_on(where)
    placed = [f"O-{n:02d}" for n in range(30)]
    for order_id in placed:
        mall.place_order(order_id, Checkout(customer_id="alice", items={"tea": 1}, consignee=HOME))
    due = (OPENING + timedelta(hours=1)).isoformat()

    per_worker = pool.starmap(_workers.cancel_overdue, [(where, due)] * 3)

    cancelled = [order_id for done in per_worker for order_id in done]
    assert sorted(cancelled) == placed
    assert _workers.shop_on(where).stock("tea").available == 100


def test_three_workers_running_the_settlement_job_at_once_settle_each_order_once(
    pool: Pool, where: str
) -> None:
    _shop(where, TEN_OFF_100)
    gateway = SimulatedGateway(secret=b"test-secret")
    mall = _workers.shop_on(where, gateway=gateway)
    completed = [f"O-{n:02d}" for n in range(12)]
    for order_id in completed:
        mall.place_order(order_id, Checkout(customer_id="alice", items={"tea": 1}, consignee=HOME))
        body, headers = gateway.pay(mall.start_payment(order_id).reference, at=OPENING)
        mall.handle_payment_notification(body, headers)
        mall.ship_order(order_id)
        mall.confirm_receipt(order_id)
    after_window = (OPENING + timedelta(days=8)).isoformat()

    per_worker = pool.starmap(_workers.settle_due, [(where, after_window)] * 3)

    settled = [order_id for done in per_worker for order_id in done]
    assert sorted(settled) == completed
    with _workers.unit_of_work(where) as uow:
        assert all(uow.orders.get(order_id).settled_at is not None for order_id in completed)
        assert uow.orders.due_for_settlement(due_by=datetime.fromisoformat(after_window)) == []
