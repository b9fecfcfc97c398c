"""The courier contract: the suite every Courier adapter must pass.

Subclass :class:`CourierContract` and provide one fixture, ``courier``: a
courier on a test account (each test gets a new one)::

    class TestMyCourier(CourierContract):
        @pytest.fixture
        def courier(self):
            return MyCourier(account=TEST_ACCOUNT)

mallcore runs it on its simulated courier first (tests/adapters/).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallcore.ports import Courier
from mallcore.testing.strategies import ids

__all__ = ["CourierContract"]

_HANGZHOU = "330106"
_ONE_FIXTURE_PER_TEST = [HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
"""Every example of a test uses the test's one fixture; every adapter's subclass runs the test."""


class CourierContract:
    """The behaviour :class:`~mallcore.ports.Courier` promises."""

    @pytest.fixture
    def courier(self) -> Courier:
        """Override: a courier on a test account."""
        raise NotImplementedError("subclass CourierContract and provide the courier fixture")

    @settings(max_examples=10, suppress_health_check=_ONE_FIXTURE_PER_TEST)
    @given(package_ids=st.lists(ids(), min_size=1, max_size=4, unique=True))
    def test_booking_a_package_again_returns_its_first_waybill(
        self, courier: Courier, package_ids: list[str]
    ) -> None:
        first = {
            package_id: courier.create_shipment(
                package_id=package_id, order_id="O-1", items={"L1": 1}, destination=_HANGZHOU
            )
            for package_id in package_ids
        }

        again = {
            package_id: courier.create_shipment(
                package_id=package_id, order_id="O-1", items={"L1": 1}, destination=_HANGZHOU
            )
            for package_id in package_ids
        }

        assert again == first

    def test_two_packages_get_two_waybills(self, courier: Courier) -> None:
        first = courier.create_shipment(
            package_id="O-1/1", order_id="O-1", items={"L1": 1}, destination=_HANGZHOU
        )
        second = courier.create_shipment(
            package_id="O-1/2", order_id="O-1", items={"L2": 1}, destination=_HANGZHOU
        )

        assert first.number != second.number
