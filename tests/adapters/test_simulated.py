"""The simulated gateway and courier: their ports' contracts, and numbers that never collide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mallcore.adapters import SIGNATURE_HEADER, SimulatedCourier, SimulatedGateway
from mallcore.errors import InvalidSignature
from mallcore.money import Money
from mallcore.testing.contracts import CourierContract, PaymentGatewayContract, PaymentSandbox

MOMENT = datetime(2026, 11, 11, 20, tzinfo=UTC)


class TestSimulatedGateway(PaymentGatewayContract):
    @pytest.fixture
    def sandbox(self) -> PaymentSandbox:
        return SimulatedGateway(secret=b"contract-secret")


class TestSimulatedCourier(CourierContract):
    @pytest.fixture
    def courier(self) -> SimulatedCourier:
        return SimulatedCourier(carrier="SF")


def test_two_gateways_never_hand_out_the_same_payment_reference() -> None:
    first, second = SimulatedGateway(secret=b"s"), SimulatedGateway(secret=b"s")
    tea, expires_at = Money("68.00", "CNY"), MOMENT + timedelta(minutes=30)

    references = [
        gateway.create_payment(order_id="O-1", amount=tea, expires_at=expires_at).reference
        for gateway in (first, second, first, second)
    ]

    assert len(set(references)) == 4


def test_two_couriers_never_hand_out_the_same_waybill() -> None:
    first, second = SimulatedCourier(carrier="SF"), SimulatedCourier(carrier="SF")

    waybills = [
        courier.create_shipment(package_id="O-1/1", order_id="O-1", items={}, destination="330106")
        for courier in (first, second)
    ]

    assert waybills[0].number != waybills[1].number
    assert all(waybill.number.startswith("SF") for waybill in waybills)


def test_a_signature_header_given_twice_in_two_letter_cases_is_refused() -> None:
    gateway = SimulatedGateway(secret=b"s")
    request = gateway.create_payment(
        order_id="O-1", amount=Money("68.00", "CNY"), expires_at=MOMENT + timedelta(minutes=30)
    )
    body, headers = gateway.pay(request.reference, at=MOMENT)

    twice = {**headers, SIGNATURE_HEADER.lower(): "0" * 64}

    with pytest.raises(InvalidSignature):
        gateway.parse_notification(body, twice)
