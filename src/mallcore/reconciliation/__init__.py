"""Reconciliation (对账): a payment provider's daily statement against what mallcore recorded.

See docs/reconciliation.md. The main names:

- :class:`StatementEntry`, :class:`Statement`, :class:`MalformedRow`: a
  statement as a :class:`~mallcore.ports.StatementReader` reads it;
- :class:`RecordedMovement`: a payment or refund as mallcore recorded it;
- :func:`reconcile`: the comparison of one day in the merchant's time zone,
  giving a :class:`Reconciliation` with its :class:`Finding` values and its
  events (:class:`DiscrepancyFound`, :class:`StatementReconciled`).
"""

from mallcore.reconciliation.matching import (
    DEFAULT_TOLERANCE,
    DiscrepancyFound,
    Finding,
    FindingKind,
    Reconciliation,
    ReconciliationEvent,
    StatementReconciled,
    Totals,
    day_bounds,
    reconcile,
)
from mallcore.reconciliation.movements import (
    MalformedRow,
    MovementKind,
    MovementStatus,
    RecordedMovement,
    Statement,
    StatementEntry,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "DiscrepancyFound",
    "Finding",
    "FindingKind",
    "MalformedRow",
    "MovementKind",
    "MovementStatus",
    "Reconciliation",
    "ReconciliationEvent",
    "RecordedMovement",
    "Statement",
    "StatementEntry",
    "StatementReconciled",
    "Totals",
    "day_bounds",
    "reconcile",
]
