"""The payment gateway contract: the suite every PaymentGateway adapter must pass.

A gateway only reads notifications; the provider writes them. So the one
fixture, ``sandbox``, is the gateway together with the provider's side of a
test account: a :class:`PaymentSandbox` that can pay a payment and sign a
body as the provider would (with the sandbox keys every provider hands out).
:class:`~mallcore.adapters.SimulatedGateway` is its own sandbox::

    class TestMyGateway(PaymentGatewayContract):
        @pytest.fixture
        def sandbox(self):
            return MyProviderSandbox(MyGateway(keys=TEST_KEYS))

mallcore runs it on its simulated gateway first (tests/adapters/).
Switching a provider off (Unavailable) is not part of it: no sandbox can.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest
from hypothesis import HealthCheck, given, settings

from mallcore.errors import InvalidSignature, InvalidValue
from mallcore.money import Money
from mallcore.ports import PaymentGateway, PaymentResult
from mallcore.testing.strategies import ids

__all__ = ["PaymentGatewayContract", "PaymentSandbox"]

_MOMENT = datetime(2026, 11, 11, 20, tzinfo=UTC)
_TEA = Money("68.00", "CNY")
_ONE_FIXTURE_PER_TEST = [HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
"""Every example of a test uses the test's one fixture; every adapter's subclass runs the test."""


class PaymentSandbox(PaymentGateway, Protocol):
    """A gateway on a provider's test account, with the provider's side of that account."""

    def pay(self, reference: str, *, at: datetime) -> tuple[bytes, dict[str, str]]:
        """The shopper pays ``reference``: the body and headers the provider posts about it."""
        ...

    def signed(self, body: bytes) -> dict[str, str]:
        """The headers the provider would post ``body`` with (its signature)."""
        ...


def _paid(sandbox: PaymentSandbox, order_id: str = "O-1") -> tuple[bytes, dict[str, str]]:
    request = sandbox.create_payment(
        order_id=order_id, amount=_TEA, expires_at=_MOMENT + timedelta(minutes=30)
    )
    return sandbox.pay(request.reference, at=_MOMENT)


def _payment_id(sandbox: PaymentSandbox) -> str:
    return sandbox.parse_notification(*_paid(sandbox)).payment_id


class PaymentGatewayContract:
    """The behaviour :class:`~mallcore.ports.PaymentGateway` promises."""

    @pytest.fixture
    def sandbox(self) -> PaymentSandbox:
        """Override: a gateway on a test account, with that account's provider side."""
        raise NotImplementedError("subclass PaymentGatewayContract and provide the sandbox fixture")

    @settings(max_examples=10, suppress_health_check=_ONE_FIXTURE_PER_TEST)
    @given(order_id=ids())
    def test_a_paid_payment_is_read_back_for_its_order_and_amount(
        self, sandbox: PaymentSandbox, order_id: str
    ) -> None:
        request = sandbox.create_payment(
            order_id=order_id, amount=_TEA, expires_at=_MOMENT + timedelta(minutes=30)
        )

        notification = sandbox.parse_notification(*sandbox.pay(request.reference, at=_MOMENT))

        assert (request.order_id, request.amount) == (order_id, _TEA)
        assert (notification.order_id, notification.amount) == (order_id, _TEA)
        assert notification.result is PaymentResult.SUCCEEDED

    def test_two_payments_get_two_references(self, sandbox: PaymentSandbox) -> None:
        expires_at = _MOMENT + timedelta(minutes=30)

        first = sandbox.create_payment(order_id="O-1", amount=_TEA, expires_at=expires_at)
        second = sandbox.create_payment(order_id="O-2", amount=_TEA, expires_at=expires_at)

        assert first.reference != second.reference

    @pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
    def test_header_names_are_matched_in_any_letter_case(
        self, sandbox: PaymentSandbox, case: Callable[[str], str]
    ) -> None:
        body, headers = _paid(sandbox)
        as_sent = sandbox.parse_notification(body, headers)

        recased: Mapping[str, str] = {case(name): value for name, value in headers.items()}

        assert sandbox.parse_notification(body, recased) == as_sent

    def test_a_changed_body_fails_verification(self, sandbox: PaymentSandbox) -> None:
        body, headers = _paid(sandbox)

        with pytest.raises(InvalidSignature):
            sandbox.parse_notification(body + b" ", headers)

    def test_a_notification_without_its_signature_fails_verification(
        self, sandbox: PaymentSandbox
    ) -> None:
        body, _ = _paid(sandbox)

        with pytest.raises(InvalidSignature):
            sandbox.parse_notification(body, {})

    def test_a_signed_body_that_is_not_a_notification_is_an_invalid_value(
        self, sandbox: PaymentSandbox
    ) -> None:
        body = json.dumps({"hello": "world"}).encode()

        with pytest.raises(InvalidValue):
            sandbox.parse_notification(body, sandbox.signed(body))

    def test_a_refund_id_seen_before_returns_the_first_refund_and_moves_no_money(
        self, sandbox: PaymentSandbox
    ) -> None:
        payment_id = _payment_id(sandbox)
        first = sandbox.refund(refund_id="R-1", payment_id=payment_id, amount=Money("60", "CNY"))

        again = sandbox.refund(refund_id="R-1", payment_id=payment_id, amount=Money("60", "CNY"))
        rest = sandbox.refund(refund_id="R-2", payment_id=payment_id, amount=Money("8", "CNY"))

        assert again == first
        assert (first.amount, rest.amount) == (Money("60", "CNY"), Money("8", "CNY"))

    def test_refunding_more_than_is_left_of_a_payment_is_refused(
        self, sandbox: PaymentSandbox
    ) -> None:
        payment_id = _payment_id(sandbox)
        sandbox.refund(refund_id="R-1", payment_id=payment_id, amount=Money("60", "CNY"))

        with pytest.raises(InvalidValue):
            sandbox.refund(refund_id="R-2", payment_id=payment_id, amount=Money("8.01", "CNY"))
