"""The clock and the event publisher: what the services need of the running host."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from mallcore.ports.outbox import OutboxEvent

__all__ = ["Clock", "EventPublisher"]


class Clock(Protocol):
    """Port: the time, so that no use case reads the system clock itself.

    - ``now`` returns a timezone-aware datetime.
    """

    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class EventPublisher(Protocol):
    """Port: where domain events go once they are committed to the outbox.

    - ``publish`` is called by the relay (:meth:`mallcore.Mall.relay_events`)
      with a batch of committed :class:`~mallcore.ports.OutboxEvent`
      envelopes, each aggregate's in their sequence order.
    - Delivery is at least once: an envelope may come again (a relay that
      crashed before recording the batch published); de-duplicate by its
      ``id``.
    - Raising any exception refuses the whole batch: it stays unpublished
      and the next relay hands it on again, from its first envelope.
    """

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        """Hand ``events`` on (a message bus, a log, a webhook queue)."""
        ...
