"""Fakes for your tests: a clock that moves only when told, and the simulated gateway and courier.

>>> from datetime import UTC, datetime, timedelta
>>> clock = FakeClock(datetime(2026, 11, 11, tzinfo=UTC))
>>> clock.advance(timedelta(minutes=31)).isoformat()
'2026-11-11T00:31:00+00:00'
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mallcore.adapters.simulated import SimulatedCourier, SimulatedGateway
from mallcore.errors import InvalidValue

__all__ = ["FakeClock", "SimulatedCourier", "SimulatedGateway"]


class FakeClock:
    """A clock that stands still until :meth:`advance` moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise InvalidValue("start", start, "must be timezone-aware")
        self._now = start

    def now(self) -> datetime:
        """The moment the clock is at."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (not backward) and return the new moment."""
        if delta < timedelta(0):
            raise InvalidValue("delta", delta, "must not be negative: time does not run back")
        self._now += delta
        return self._now
