"""Regression tests for the defects issue 13 reports, each through the Mall on every adapter.

Each test is named for the behaviour the defect broke; a refused command is
checked against a dump of everything stored before it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork
from mallcore.errors import IllegalTransition, RefundRefused, Unavailable
from mallcore.loyalty import PointsAccount
from mallcore.merchant import Settings
from mallcore.orders import OrderStatus
from mallcore.services import JobItemFailed
from tests.services.conftest import OPENING, TEN_PERCENT, Shop, give_points, open_shop


def _paid(shop: Shop, items: dict[str, int]) -> None:
    shop.place(items)
    shop.notify(*shop.payment())


def test_a_courier_is_never_booked_for_an_order_that_refuses_to_ship(shop: Shop) -> None:
    shop.place({"tea": 1})
    before = shop.dump()

    with pytest.raises(IllegalTransition):
        shop.ship()

    assert shop.dump() == before
    shop.notify(*shop.payment())
    assert shop.ship().shipments[0].waybill == "SF0000000001"


def test_an_order_is_delivered_only_when_every_package_is(shop: Shop) -> None:
    _paid(shop, {"tea": 3})
    shop.ship(items={"tea": 1})
    first, last = (s.waybill for s in shop.ship().shipments)
    shop.courier.duplicates = shop.courier.reverse = True

    for scan in shop.courier.scans(last, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)
    assert shop.order().status is OrderStatus.SHIPPED
    for scan in shop.courier.scans(first, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)

    assert shop.order().status is OrderStatus.DELIVERED
    assert all(s.delivered_at is not None for s in shop.order().shipments)


def test_a_refund_after_the_after_sales_window_is_refused_and_changes_nothing(shop: Shop) -> None:
    shop.configure(settings=Settings(after_sales_window=timedelta(days=7)))
    _paid(shop, {"tea": 1})
    shop.ship()
    shop.mall.confirm_receipt("O-1")
    shop.clock.advance(timedelta(days=365))
    before = shop.dump()

    with pytest.raises(RefundRefused, match="after-sales window closed"):
        shop.mall.refund_order("O-1", "R-1", {"tea": 1}, reason="a year later")

    assert shop.dump() == before
    assert shop.gateway.refunds() == ()


def test_an_overdue_order_whose_points_ledger_moved_on_is_still_cancelled(shop: Shop) -> None:
    shop.configure(redemption=TEN_PERCENT)
    give_points(shop.uow(), 5_000, "alice")
    shop.place({"tea": 1}, "O-1", points=None)
    with shop.uow() as uow:
        account: PointsAccount = uow.points.get("alice")
        uow.points.save(account.earn(10, key="later", at=OPENING + timedelta(days=3))[0])
        uow.commit()
    shop.clock.advance(timedelta(minutes=31))

    report = shop.mall.cancel_overdue_orders()

    assert (report.done, report.failed) == (("O-1",), ())
    assert shop.points().balance(at=OPENING + timedelta(days=3)) == 5_010


class _RefusingO1(InMemoryUnitOfWork):
    """An in-memory unit of work that, while told, cannot write order O-1 (its row is damaged)."""

    refusing = False

    def commit(self) -> None:
        if _RefusingO1.refusing and "O-1" in self.orders._written:
            self.rollback()
            raise Unavailable("database", "the row of O-1 cannot be written")
        super().commit()


def test_an_overdue_order_that_fails_is_reported_and_never_blocks_the_next() -> None:
    store = InMemoryStore()
    shop = open_shop(lambda: _RefusingO1(store))
    shop.place({"tea": 1}, "O-1")
    shop.place({"tea": 1}, "O-2")
    shop.clock.advance(timedelta(minutes=31))
    _RefusingO1.refusing = True

    try:
        report = shop.mall.cancel_overdue_orders()
    finally:
        _RefusingO1.refusing = False

    assert report.done == ("O-2",)
    assert [item for item, _ in report.failed] == ["O-1"]
    assert shop.order("O-2").status is OrderStatus.CANCELLED
    failures = [e for e in shop.published() if isinstance(e, JobItemFailed)]
    assert [(f.job, f.item) for f in failures] == [("cancel_overdue_orders", "O-1")]
    assert "cannot be written" in failures[0].error


class _FailingCommits(InMemoryUnitOfWork):
    """An in-memory unit of work whose commits fail (the database went away) while told."""

    failing = False

    def commit(self) -> None:
        if _FailingCommits.failing:
            self.rollback()
            raise Unavailable("database", "gone for a moment")
        super().commit()


def test_a_booking_the_order_could_not_record_is_cancelled_with_the_courier() -> None:
    store = InMemoryStore()
    shop = open_shop(lambda: _FailingCommits(store))
    _paid(shop, {"tea": 1})
    _FailingCommits.failing = True

    try:
        with pytest.raises(Unavailable):
            shop.ship()
    finally:
        _FailingCommits.failing = False

    assert [w.number for w in shop.courier.cancelled] == ["SF0000000001"]
    assert shop.order().shipments == ()
    assert shop.ship().shipments[0].waybill == "SF0000000002"


def test_a_packages_scans_are_kept_once_each_in_time_order_however_they_arrive(
    shop: Shop,
) -> None:
    _paid(shop, {"tea": 1})
    waybill = shop.ship().shipments[0].waybill
    shop.courier.duplicates = shop.courier.reverse = True

    for scan in shop.courier.scans(waybill, picked_up_at=shop.clock.now()):
        shop.mall.handle_tracking_event(scan)

    (package,) = shop.order().shipments
    assert [scan.status for scan in package.scans] == ["picked_up", "in_transit", "delivered"]
    assert shop.order().status is OrderStatus.DELIVERED
