"""Payment port: create a payment, verify and read its notifications, refund.

Notifications from a provider (微信支付, 支付宝, 银联, cards) arrive
asynchronously, more than once and out of order. The gateway's job is to
verify each one (signature) and turn it into a :class:`PaymentNotification`;
the services apply it exactly once and check the amount against the order.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import attrs

from mallcore.money import Money

__all__ = [
    "PaymentGateway",
    "PaymentNotification",
    "PaymentRequest",
    "PaymentResult",
    "Refund",
]


@attrs.frozen(kw_only=True)
class PaymentRequest:
    """What the shopper's client needs to pay: the gateway's reference for the payment."""

    order_id: str
    amount: Money
    reference: str
    expires_at: datetime


class PaymentResult(enum.Enum):
    """What the provider says happened to a payment."""

    SUCCEEDED = "succeeded"
    DECLINED = "declined"


@attrs.frozen(kw_only=True)
class PaymentNotification:
    """A verified notification: which order, which payment, how much, and the result."""

    order_id: str
    payment_id: str
    amount: Money
    result: PaymentResult
    at: datetime


@attrs.frozen(kw_only=True)
class Refund:
    """A refund the provider accepted."""

    refund_id: str
    payment_id: str
    amount: Money


class PaymentGateway(Protocol):
    """Port: a payment provider.

    - ``create_payment`` registers a payment of ``amount`` for ``order_id``
      payable until ``expires_at``; raises Unavailable when the provider
      cannot be reached.
    - ``parse_notification`` verifies a notification's signature and reads
      it; raises InvalidSignature when it does not verify (nothing is read
      from an unverified body) and InvalidValue when a verified body is not a
      notification.
    - ``close_payment`` closes payment ``payment_id`` (created, not paid) so
      the payer can no longer pay it (关闭订单); closing it again, or a
      payment the provider does not know, does nothing; raises Unavailable
      when the provider cannot be reached.
    - ``refund`` returns ``amount`` of payment ``payment_id``; the same
      ``refund_id`` again returns the first refund and moves no money;
      refunding more than what is left of the payment raises InvalidValue;
      raises Unavailable when the provider cannot be reached.
    """

    def create_payment(
        self, *, order_id: str, amount: Money, expires_at: datetime
    ) -> PaymentRequest:
        """Register a payment for ``order_id``."""
        ...

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotification:
        """Verify and read a notification as the provider sent it."""
        ...

    def close_payment(self, *, payment_id: str) -> None:
        """Close an unpaid payment: the payer can no longer pay it."""
        ...

    def refund(self, *, refund_id: str, payment_id: str, amount: Money) -> Refund:
        """Return ``amount`` of a payment to the payer."""
        ...
