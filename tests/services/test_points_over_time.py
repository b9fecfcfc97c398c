"""Points at checkout as time passes: expired points are not offered, released ones are.

Regressions of issue 11's third bug, through the Mall on every adapter: a
customer whose points expired could not check out with a points policy
(NotEnoughPoints), and points released after the after-sales window never
became spendable.
"""

from __future__ import annotations

from datetime import timedelta

from mallcore.loyalty import AccountPolicy, EarningPolicy, ExpiryPolicy, ExpiryRule, PointsAccount
from mallcore.merchant import Settings
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
    shop.configure(redemption=TEN_PERCENT)

    order = shop.place({"tea": 1}, points=None)

    assert order.points_used == 300
    assert shop.points().balance() == 0


def test_points_released_when_the_after_sales_window_closes_are_spent_at_checkout(
    shop: Shop,
) -> None:
    window = timedelta(days=7)
    shop.configure(earning=EarningPolicy(), settings=Settings(after_sales_window=window))
    shop.place({"tea": 2}, "O-1")
    shop.notify(*shop.payment("O-1"))
    shop.ship("O-1")
    shop.mall.confirm_receipt("O-1")
    shop.clock.advance(window)
    shop.configure(redemption=TEN_PERCENT)

    order = shop.place({"tea": 1}, "O-2", points=None)

    assert order.points_used == 120
    assert (shop.points().balance(), shop.points().pending_points) == (0, 0)
