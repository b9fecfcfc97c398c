"""Payment records and notification outcomes through the Mall: no money held without a record.

Every verified notification is recorded before anything is decided; money
that cannot pay its order goes back (or waits for a person, as the merchant
says), once however often the provider repeats itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from mallcore.errors import RefundRefused, Unavailable
from mallcore.merchant import Settings, UnappliedPaymentPolicy
from mallcore.money import Money
from mallcore.orders import OrderStatus, PaymentStatus
from mallcore.services import PaymentFlagged, PaymentOutcome
from tests.services.conftest import Shop

YUAN = Money("1.00", "CNY")


def _pay_one_yuan(shop: Shop, order_id: str = "O-1") -> tuple[bytes, dict[str, str]]:
    """A payment of ¥1.00 the shop never asked for, as the provider would notify it."""
    request = shop.gateway.create_payment(
        order_id=order_id, amount=YUAN, expires_at=shop.clock.now()
    )
    return shop.gateway.pay(request.reference, at=shop.clock.now())


def _flagged(shop: Shop) -> list[PaymentFlagged]:
    return [e for e in shop.published() if isinstance(e, PaymentFlagged)]


def test_a_payment_of_the_wrong_amount_is_recorded_and_returned_once(shop: Shop) -> None:
    shop.place({"tea": 1})
    body, headers = _pay_one_yuan(shop)

    handled = [shop.mall.handle_payment_notification(body, headers) for _ in range(3)]

    assert [h.outcome for h in handled] == [PaymentOutcome.REFUNDED] * 3
    assert handled[0].reason == "paid 1.00 CNY, but order 'O-1' asks for 60.00 CNY"
    assert [r.amount for r in shop.gateway.refunds()] == [YUAN]
    (payment,) = shop.mall.payments("O-1")
    assert (payment.status, payment.refunded) == (PaymentStatus.REFUNDED, YUAN)
    assert shop.order().status is OrderStatus.AWAITING_PAYMENT
    assert shop.stock("tea").on_hand == 10


def test_a_wrong_amount_waits_for_a_person_when_the_merchant_says_so(shop: Shop) -> None:
    shop.configure(settings=Settings(unapplied_payments=UnappliedPaymentPolicy.FLAG))
    shop.place({"tea": 1})

    outcome = shop.notify(*_pay_one_yuan(shop))

    assert outcome is PaymentOutcome.FLAGGED
    assert shop.gateway.refunds() == ()
    (payment,) = shop.mall.payments("O-1")
    assert [f.payment_id for f in _flagged(shop)] == [payment.id]
    for _ in range(2):
        returned = shop.mall.return_flagged_payment(payment.id)
    assert returned.status is PaymentStatus.REFUNDED
    assert [r.amount for r in shop.gateway.refunds()] == [YUAN]


def test_a_payment_for_an_order_nobody_placed_is_recorded_and_returned(shop: Shop) -> None:
    handled = shop.mall.handle_payment_notification(*_pay_one_yuan(shop, "O-404"))

    assert handled.outcome is PaymentOutcome.REFUNDED
    assert handled.reason == "no order 'O-404'"
    assert [p.status for p in shop.mall.payments("O-404")] == [PaymentStatus.REFUNDED]


def test_a_late_payment_returned_after_cancellation_stays_on_the_orders_record(
    shop: Shop,
) -> None:
    shop.place({"tea": 1})
    body, headers = shop.payment()
    shop.clock.advance(timedelta(minutes=30))
    shop.mall.cancel_overdue_orders()

    handled = shop.mall.handle_payment_notification(body, headers)

    assert handled.outcome is PaymentOutcome.REFUNDED
    assert handled.reason == "order 'O-1' is cancelled"
    (payment,) = shop.mall.payments("O-1")
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.refunds[0].amount == Money("60.00", "CNY")


def test_a_new_attempt_closes_the_unpaid_one_at_the_gateway(shop: Shop) -> None:
    shop.place({"tea": 1})
    first = shop.mall.start_payment("O-1")

    second = shop.mall.start_payment("O-1")

    assert shop.gateway.closed() == {first.reference}
    statuses = [(p.id, p.status) for p in shop.mall.payments("O-1")]
    assert statuses == [
        (first.reference, PaymentStatus.CLOSED),
        (second.reference, PaymentStatus.STARTED),
    ]
    late = shop.gateway.pay(first.reference, at=shop.clock.now())
    assert shop.notify(*late) is PaymentOutcome.DECLINED
    assert shop.notify(*shop.gateway.pay(second.reference, at=shop.clock.now())) is (
        PaymentOutcome.PAID
    )


def test_a_second_successful_payment_is_returned_and_flagged(shop: Shop) -> None:
    shop.place({"tea": 1})
    body, headers = shop.payment()
    request = shop.gateway.create_payment(
        order_id="O-1", amount=Money("60.00", "CNY"), expires_at=shop.clock.now()
    )
    again = shop.gateway.pay(request.reference, at=shop.clock.now())

    assert shop.notify(body, headers) is PaymentOutcome.PAID
    assert shop.notify(*again) is PaymentOutcome.REFUNDED

    assert [r.payment_id for r in shop.gateway.refunds()] == [request.reference]
    assert [f.payment_id for f in _flagged(shop)] == [request.reference]
    assert shop.order().payment_id != request.reference


def test_money_the_gateway_cannot_return_yet_stays_recorded_and_goes_back_on_redelivery(
    shop: Shop,
) -> None:
    shop.place({"tea": 1})
    body, headers = _pay_one_yuan(shop)
    shop.gateway.available = False

    with pytest.raises(Unavailable):
        shop.notify(body, headers)

    assert [p.status for p in shop.mall.payments("O-1")] == [PaymentStatus.RECEIVED]
    shop.gateway.available = True
    assert shop.notify(body, headers) is PaymentOutcome.REFUNDED
    assert [r.amount for r in shop.gateway.refunds()] == [YUAN]


def test_a_refund_over_a_year_after_the_payment_is_refused_and_changes_nothing(
    shop: Shop,
) -> None:
    shop.place({"tea": 2})
    shop.notify(*shop.payment())
    shop.clock.advance(timedelta(days=366))
    before = shop.dump()

    with pytest.raises(RefundRefused, match="over a year before"):
        shop.mall.refund_order("O-1", "R-1", {"tea": 1}, reason="never shipped")

    assert shop.dump() == before


def test_an_after_sales_refund_is_recorded_on_the_payment(shop: Shop) -> None:
    shop.place({"tea": 2})
    shop.notify(*shop.payment())

    shop.mall.refund_order("O-1", "R-1", {"tea": 1}, reason="changed my mind")

    (payment,) = shop.mall.payments("O-1")
    assert [(r.refund_id, r.amount) for r in payment.refunds] == [
        ("O-1-R-1", Money("60.00", "CNY"))
    ]
