"""The outbox: events stored in the transaction that made them, handed on by a relay.

A command's events are written by its unit of work, beside the state they
describe, as :class:`OutboxEvent` envelopes; a crash after the commit loses
none of them. A relay (:meth:`mallcore.Mall.relay_events`) later claims the
oldest unpublished envelopes, hands them to the
:class:`~mallcore.ports.EventPublisher` and marks them published in one
transaction; published envelopes are purged after a retention period.

Delivery is at least once: a relay that crashes after publishing but before
its commit publishes the batch again. Consumers de-duplicate by
:attr:`OutboxEvent.id`, which never changes. Each aggregate's events are
numbered 1, 2, 3 ... (:attr:`OutboxEvent.sequence`) when their commit
stores them, and handed on in that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeAlias

import attrs

from mallcore.errors import InvalidValue

__all__ = ["Aggregate", "OutboxEvent", "OutboxRepository", "check_place"]

Aggregate: TypeAlias = tuple[str, str]
"""An aggregate as an envelope names it: its kind and its id (``("order", "O-1")``)."""


def _aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidValue(attribute.name, value, "must be a timezone-aware datetime")


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(attribute.name, value, "must be a whole number from 1")


@attrs.frozen(kw_only=True)
class OutboxEvent:
    """The envelope of one domain event: who it concerns, its place in their history, when.

    ``id`` is stable (a consumer de-duplicates by it); ``aggregate_kind`` and
    ``aggregate_id`` name what changed ("order" "O-1", "stock" "tea",
    "coupon", "points account", "member"); ``sequence`` counts that
    aggregate's events from 1; ``occurred_at`` is the command's time; ``event``
    is the domain event itself (its stored form is
    :func:`mallcore.shapes.dump_event_document`).
    """

    id: str
    aggregate_kind: str
    aggregate_id: str
    sequence: int = attrs.field(validator=_positive)
    occurred_at: datetime = attrs.field(validator=_aware)
    event: object

    @property
    def aggregate(self) -> Aggregate:
        """The kind and id of the aggregate the event concerns."""
        return self.aggregate_kind, self.aggregate_id


def check_place(appended: Iterable[OutboxEvent], event: OutboxEvent) -> None:
    """InvalidValue unless ``event``'s sequence is its place among ``appended`` for its aggregate.

    What an adapter's :meth:`OutboxRepository.append` checks: before the
    commit numbers them, a unit of work's envelopes count their aggregate's
    appends, 1 for the first.
    """
    place = 1 + sum(1 for each in appended if each.aggregate == event.aggregate)
    if event.sequence != place:
        raise InvalidValue(
            "event.sequence",
            event.sequence,
            f"must be {place}, its place among this unit of work's appends for {event.aggregate}",
        )


class OutboxRepository(Protocol):
    """Port: the events a unit of work commits, until a relay has published them.

    - ``append`` keeps ``event`` for the commit, which numbers it. Appended,
      an envelope's ``sequence`` is its place among this unit of work's
      appends for its aggregate: 1 for the first, 2 for the next
      (:func:`check_place`; anything else raises InvalidValue at once, as
      does a payload that is no domain event,
      :data:`mallcore.serialization.EVENT_KINDS`). The commit adds the
      aggregate's last stored number, which never goes back, also when older
      envelopes are purged: an aggregate's envelopes are numbered in the
      order their commits happened, and two writers never take one number
      (on a database, no query before the commit). An ``id`` stored already
      makes ``commit`` raise StaleVersion and keep nothing.
    - ``claim`` returns up to ``limit`` (1 to MAX_PAGE, else InvalidValue)
      unpublished envelopes, oldest append first. Per aggregate it returns a
      prefix of what is unpublished: never an envelope while an earlier one
      of its aggregate is unpublished and not in the batch. What it returns
      is this unit of work's until it commits or rolls back: a concurrent
      claim does not return it (the in-memory store and SQLite let one
      locked unit of work claim at a time; on PostgreSQL, lock the rows
      ``FOR UPDATE SKIP LOCKED`` and leave out every envelope with an
      earlier unpublished one of its aggregate, docs/adapters.md).
    - ``mark_published`` records, at commit, the envelopes ``ids`` as
      published at ``at``; a claim no longer returns them.
    - ``purge`` deletes, at commit, the published envelopes published
      before ``before``; it returns how many that is as this unit of work
      sees it. Unpublished envelopes are never purged.
    - ``of_aggregate`` lists the envelopes committed for one aggregate,
      published or not (not purged), by sequence.
    """

    def append(self, event: OutboxEvent) -> None:
        """Store ``event`` when the unit of work commits, numbered then."""
        ...

    def claim(self, limit: int) -> Sequence[OutboxEvent]:
        """The oldest unpublished envelopes, at most ``limit``, held for this unit of work."""
        ...

    def mark_published(self, ids: Sequence[str], *, at: datetime) -> None:
        """Mark the envelopes ``ids`` published at ``at`` when the unit of work commits."""
        ...

    def purge(self, *, before: datetime) -> int:
        """Delete the envelopes published before ``before`` at commit; how many."""
        ...

    def of_aggregate(self, aggregate_kind: str, aggregate_id: str) -> Sequence[OutboxEvent]:
        """The stored envelopes of one aggregate, by sequence."""
        ...
