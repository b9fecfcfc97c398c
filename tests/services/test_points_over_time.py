"""Points at checkout as time passes: expired points are not offered, released ones are.

Regressions of issue 11's third bug: a customer whose points expired could
not check out with a points policy (NotEnoughPoints), and points released
after the after-sales window never became spendable.
"""

from __future__ import annotations

from datetime import timedelta

from mallcore.loyalty import AccountPolicy, EarningPolicy, ExpiryPolicy, ExpiryRule, PointsAccount
from mallcore.services import confirm_receipt
from tests.services.conftest import OPENING, TEN_PERCENT, Shop

DAY = timedelta(days=1)


def test_a_customer_whose_points_expired_checks_out_with_the_points_left(shop: Shop) -> None:
    policy = AccountPolicy(expiry=ExpiryPolicy(rule=ExpiryRule.DAYS_AFTER, days=30))
    account = PointsAccount.open("alice", policy=policy)
    with shop.uow() as uow:
        uow.points.save(account)
        account, _ = account.earn(5_000, key="welcome", at=OPENING - 40 * DAY)
        uow.points.save(account)
        account, _ = account.earn(300, key="sign-in", at=OPENING - DAY)
        uow.points.save(account)
        uow.commit()

    order = shop.place({"tea": 1}, points=TEN_PERCENT)

    assert order.points_used == 300
    assert shop.points().balance() == 0


def test_points_released_when_the_after_sales_window_closes_are_spent_at_checkout(
    shop: Shop,
) -> None:
    shop.place({"tea": 2}, "O-1", earning=EarningPolicy())
    shop.notify(*shop.payment("O-1"))
    shop.ship("O-1")
    window = timedelta(days=7)
    confirm_receipt(
        uow=shop.uow(), clock=shop.clock, events=shop.events, order_id="O-1", after_sales=window
    )
    shop.clock.advance(window)

    order = shop.place({"tea": 1}, "O-2", points=TEN_PERCENT)

    assert order.points_used == 120
    assert (shop.points().balance(), shop.points().pending_points) == (0, 0)
