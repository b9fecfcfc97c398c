"""Limits that hold under real concurrency: processes (spawn) racing on one SQLite file."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from multiprocessing.pool import Pool
from pathlib import Path

import attrs
import pytest

from mallcore import Checkout
from mallcore.catalog import Sku
from mallcore.coupons import CouponTemplate, IssueLimits, UseLimits
from mallcore.money import Money
from tests.services import _workers
from tests.services._workers import HOME, OPENING
from tests.services.conftest import on_sale
from tests.services.test_wallet import TEN_OFF_100

PROCESSES = 16


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    """Sixteen processes (spawn), started once for the module: each race runs one call in each."""
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as workers:
        yield workers


def _shop(path: Path, template: CouponTemplate, *claims: str) -> list[str]:
    """A shop on ``path`` with tea (100 units), a cup (100) and ``template``; claimed coupons."""
    mall = _workers.shop_on(path)
    for sku_id, price in (("tea", "60.00"), ("cup", "30.00")):
        sku = Sku(sku_id, {}, Money(price, "CNY"), Money(price, "CNY"), stock=100)
        mall.save_product(on_sale(sku), stock={sku_id: 100})
    mall.save_coupon_template(template)
    return [mall.claim_coupon(customer, template.id).id for customer in claims]


def test_sixteen_customers_racing_for_a_coupon_used_once_in_all_get_one_order(
    pool: Pool, tmp_path: Path
) -> None:
    path = tmp_path / "shop.sqlite3"
    once = attrs.evolve(TEN_OFF_100, use=UseLimits(total=1))
    customers = [f"c{n}" for n in range(PROCESSES)]
    coupons = _shop(path, once, *customers)

    outcomes = pool.starmap(
        _workers.place_with_coupon,
        [(str(path), f"O-{n}", customers[n], coupons[n]) for n in range(PROCESSES)],
    )

    assert Counter(outcomes) == {"placed": 1, "CouponUnavailable:limit_reached": 15}


def test_one_customer_in_sixteen_processes_uses_a_once_per_customer_coupon_once(
    pool: Pool, tmp_path: Path
) -> None:
    path = tmp_path / "shop.sqlite3"
    mine = attrs.evolve(
        TEN_OFF_100, issue=IssueLimits(per_customer=PROCESSES), use=UseLimits(per_customer=1)
    )
    coupons = _shop(path, mine, *["alice"] * PROCESSES)

    outcomes = pool.starmap(
        _workers.place_with_coupon,
        [(str(path), f"O-{n}", "alice", coupons[n]) for n in range(PROCESSES)],
    )

    assert Counter(outcomes) == {"placed": 1, "CouponUnavailable:limit_reached": 15}


def test_sixteen_claims_of_a_template_with_ten_left_issue_exactly_ten(
    pool: Pool, tmp_path: Path
) -> None:
    path = tmp_path / "shop.sqlite3"
    ten_left = attrs.evolve(TEN_OFF_100, issue=IssueLimits(total=12))
    _shop(path, ten_left, "early-1", "early-2")

    outcomes = pool.starmap(
        _workers.claim, [(str(path), f"c{n}", ten_left.id) for n in range(PROCESSES)]
    )

    assert Counter(outcomes) == {"claimed": 10, "CouponUnavailable:issue_limit_reached": 6}


def test_eight_processes_buying_a_hundred_cups_sell_exactly_a_hundred(
    pool: Pool, tmp_path: Path
) -> None:
    path = tmp_path / "shop.sqlite3"
    _shop(path, TEN_OFF_100)

    per_worker = pool.starmap(_workers.buy, [(str(path), worker, 30) for worker in range(8)])

    outcomes = Counter(outcome for outcomes in per_worker for outcome in outcomes)
    assert outcomes == {"placed": 100, "OutOfStock": 140}
    stock = _workers.shop_on(path).stock("cup")
    assert (stock.on_hand, stock.available) == (100, 0)


def test_three_workers_running_the_unpaid_order_job_at_once_cancel_each_order_once(
    pool: Pool, tmp_path: Path
) -> None:
    path = tmp_path / "shop.sqlite3"
    _shop(path, TEN_OFF_100)
    mall = _workers.shop_on(path)
    placed = [f"O-{n:02d}" for n in range(30)]
    for order_id in placed:
        mall.place_order(order_id, Checkout(customer_id="alice", items={"tea": 1}, consignee=HOME))
    due = (OPENING + timedelta(hours=1)).isoformat()

    per_worker = pool.starmap(_workers.cancel_overdue, [(str(path), due)] * 3)

    cancelled = [order_id for done in per_worker for order_id in done]
    assert sorted(cancelled) == placed
    assert _workers.shop_on(path).stock("tea").available == 100
