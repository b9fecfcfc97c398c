"""The clock and the event publisher: what the services need of the running host."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

__all__ = ["Clock", "EventPublisher"]


class Clock(Protocol):
    """Port: the time, so that no use case reads the system clock itself.

    - ``now`` returns a timezone-aware datetime.
    """

    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class EventPublisher(Protocol):
    """Port: where domain events go once their transaction is committed.

    - ``publish`` is called after a successful commit only, with the events
      in the order they happened; it must not raise for a well-formed event.
    """

    def publish(self, events: Sequence[object]) -> None:
        """Hand ``events`` on (a message bus, a log, a webhook queue)."""
        ...
