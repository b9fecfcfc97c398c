"""A simulated payment provider and courier, with the faults real ones have.

- :class:`SimulatedGateway` signs its notifications with HMAC-SHA256 (as
  微信支付 and 支付宝 sign theirs), declines payments above a limit and
  payments it closed, and can be switched off (``available = False``) to
  raise Unavailable.
- :class:`SimulatedCourier` numbers waybills, and produces the tracking scans
  a package would get, twice and out of order when asked.

They keep their state in memory; the demo and the tests drive them. Each
instance numbers its payments and waybills after a random prefix of its
own, so the numbers of several instances (one per app server process, say)
never collide, as a real provider's never do. Header names are matched
case-insensitively, as HTTP has them (ASGI servers hand them over
lower-cased).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from mallcore.errors import InvalidSignature, InvalidValue, NotFound, Unavailable
from mallcore.money import Money
from mallcore.ports import (
    PaymentNotification,
    PaymentRequest,
    PaymentResult,
    Refund,
    TrackingEvent,
    TrackingStatus,
    Waybill,
)

__all__ = ["SIGNATURE_HEADER", "SimulatedCourier", "SimulatedGateway"]

SIGNATURE_HEADER = "X-Sim-Signature"
"""The header that carries a notification's hex HMAC-SHA256 signature (any letter case)."""


def _instance_prefix() -> str:
    """Eight random hex digits that set one instance's numbers apart from every other's."""
    return secrets.token_hex(4)


def _header(headers: Mapping[str, str], name: str) -> str:
    """The one value of header ``name`` in any letter case; "" when absent or given twice."""
    found = [value for key, value in headers.items() if key.lower() == name.lower()]
    return found[0] if len(found) == 1 else ""


class SimulatedGateway:
    """A payment provider in memory (see :class:`~mallcore.ports.PaymentGateway`).

    Payment references carry this instance's prefix (random unless given).
    """

    def __init__(
        self, *, secret: bytes, decline_above: Money | None = None, prefix: str | None = None
    ) -> None:
        self._secret = secret
        self._prefix = f"sim-{_instance_prefix() if prefix is None else prefix}"
        self.decline_above = decline_above
        self.available = True
        self._payments: dict[str, PaymentRequest] = {}
        self._closed: set[str] = set()
        self._paid: dict[str, Money] = {}
        self._refunds: dict[str, Refund] = {}

    def _check_up(self) -> None:
        if not self.available:
            raise Unavailable("simulated payment gateway", "switched off")

    def _sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def signed(self, body: bytes) -> dict[str, str]:
        """The headers the provider would send ``body`` with: its signature."""
        return {SIGNATURE_HEADER: self._sign(body)}

    def create_payment(
        self, *, order_id: str, amount: Money, expires_at: datetime
    ) -> PaymentRequest:
        """Register a payment; the reference is what the shopper's client pays."""
        self._check_up()
        request = PaymentRequest(
            order_id=order_id,
            amount=amount,
            reference=f"{self._prefix}-{len(self._payments) + 1:06d}",
            expires_at=expires_at,
        )
        self._payments[request.reference] = request
        return request

    def pay(self, reference: str, *, at: datetime) -> tuple[bytes, dict[str, str]]:
        """The shopper pays ``reference``: the signed notification the provider would post."""
        request = self._payments.get(reference)
        if request is None:
            raise NotFound("payment", reference)
        declined = self.decline_above is not None and request.amount > self.decline_above
        declined = declined or reference in self._closed
        result = PaymentResult.DECLINED if declined else PaymentResult.SUCCEEDED
        if not declined:
            self._paid[reference] = request.amount
        body = json.dumps(
            {
                "order_id": request.order_id,
                "payment_id": reference,
                "amount": str(request.amount.amount),
                "currency": request.amount.currency,
                "result": result.value,
                "at": at.isoformat(),
            },
            sort_keys=True,
        ).encode()
        return body, self.signed(body)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> PaymentNotification:
        """Verify the signature, then read the notification."""
        given = _header(headers, SIGNATURE_HEADER)
        if not hmac.compare_digest(given, self._sign(body)):
            raise InvalidSignature("simulated payment gateway")
        try:
            data = json.loads(body)
            return PaymentNotification(
                order_id=data["order_id"],
                payment_id=data["payment_id"],
                amount=Money(data["amount"], data["currency"]),
                result=PaymentResult(data["result"]),
                at=datetime.fromisoformat(data["at"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidValue("notification", body, "is not a payment notification") from exc

    def close_payment(self, *, payment_id: str) -> None:
        """Close an unpaid payment: paying it later is declined."""
        self._check_up()
        if payment_id in self._payments and payment_id not in self._paid:
            self._closed.add(payment_id)

    def closed(self) -> frozenset[str]:
        """The payments closed so far."""
        return frozenset(self._closed)

    def refund(self, *, refund_id: str, payment_id: str, amount: Money) -> Refund:
        """Return ``amount`` of a payment; a refund id seen before returns the first refund."""
        self._check_up()
        if refund_id in self._refunds:
            return self._refunds[refund_id]
        paid = self._paid.get(payment_id)
        if paid is None:
            raise NotFound("payment", payment_id)
        refunded = [r.amount for r in self._refunds.values() if r.payment_id == payment_id]
        left = paid - sum(refunded, start=Money.zero(paid.currency))
        if amount > left:
            raise InvalidValue(
                "amount", amount, f"exceeds the {left} left of payment {payment_id!r}"
            )
        refund = Refund(refund_id=refund_id, payment_id=payment_id, amount=amount)
        self._refunds[refund_id] = refund
        return refund

    def refunds(self) -> tuple[Refund, ...]:
        """Every refund made, in order."""
        return tuple(self._refunds.values())


class SimulatedCourier:
    """A courier in memory (see :class:`~mallcore.ports.Courier`).

    ``duplicates`` sends every scan twice; ``reverse`` sends them newest first.
    Waybill numbers are the carrier's code, this instance's prefix (random
    unless given: a run that must print the same every time fixes it) and a
    serial number.
    """

    def __init__(
        self,
        *,
        carrier: str = "SIM",
        duplicates: bool = False,
        reverse: bool = False,
        prefix: str | None = None,
    ):
        self.carrier = carrier
        self._prefix = f"{carrier}{_instance_prefix().upper() if prefix is None else prefix}"
        self.duplicates = duplicates
        self.reverse = reverse
        self.available = True
        self._waybills: dict[str, Waybill] = {}
        self._booked = 0
        self.cancelled: list[Waybill] = []
        """The bookings cancelled, in order."""

    def create_shipment(
        self, *, package_id: str, order_id: str, items: Mapping[str, int], destination: str
    ) -> Waybill:
        """Book a package; the same ``package_id`` again returns the same waybill."""
        if not self.available:
            raise Unavailable(f"simulated courier {self.carrier}", "switched off")
        if package_id not in self._waybills:
            self._booked += 1
            number = f"{self._prefix}{self._booked:010d}"
            self._waybills[package_id] = Waybill(carrier=self.carrier, number=number)
        return self._waybills[package_id]

    def cancel_shipment(self, *, package_id: str) -> None:
        """Cancel a booking: the package id books anew next time."""
        if not self.available:
            raise Unavailable(f"simulated courier {self.carrier}", "switched off")
        waybill = self._waybills.pop(package_id, None)
        if waybill is not None:
            self.cancelled.append(waybill)

    def scans(
        self, waybill: str, *, picked_up_at: datetime, transit: timedelta = timedelta(days=2)
    ) -> list[TrackingEvent]:
        """The tracking events of a package picked up at ``picked_up_at``."""
        timeline = [
            TrackingEvent(waybill=waybill, status=TrackingStatus.PICKED_UP, at=picked_up_at),
            TrackingEvent(
                waybill=waybill, status=TrackingStatus.IN_TRANSIT, at=picked_up_at + transit / 2
            ),
            TrackingEvent(
                waybill=waybill, status=TrackingStatus.DELIVERED, at=picked_up_at + transit
            ),
        ]
        if self.duplicates:
            timeline = [event for event in timeline for _ in range(2)]
        return timeline[::-1] if self.reverse else timeline
