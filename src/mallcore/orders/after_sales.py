"""After-sales cases (售后单): a customer's request about some units of an order, and its course.

::

    REQUESTED ──approve──▶ APPROVED ──(refund only) refund──────────────▶ REFUNDED
        │                      │                                             ▲
        ├──reject──▶ REJECTED  ├──(return) send back──▶ RETURNING ──receive──▶ RECEIVED
        └──withdraw──▶ CLOSED  └──timeout──▶ CLOSED

- REQUESTED: the customer asks (kind, units per line, reason, evidence).
  The merchant handles it within ``Settings.after_sales_response`` (48
  hours by default): approves (a return gets the return address) or rejects
  with a reason. On timeout it is approved (by the system).
- APPROVED: a refund-only case is refunded at once; a return waits for the
  customer's waybill until ``Settings.return_shipment`` (7 days), else
  CLOSED.
- RETURNING: the goods are on their way back; the merchant confirms receipt
  and inspects within ``Settings.return_receipt`` (10 days), else the refund
  goes (nothing restocked).
- RECEIVED then REFUNDED: the money goes back through the gateway (the
  Mall's ``refund_order`` under the case id). A refund the gateway cannot
  make now leaves the case APPROVED (refund only) or RECEIVED: the refund is
  pending, and the after-sales job tries it again.
- A case whose units the order no longer refunds (refunded otherwise, or
  the order cancelled in full meanwhile) closes when its refund comes due.
- REJECTED, REFUNDED, CLOSED are final. A rejected line may be asked about
  again, at most :data:`MAX_REQUESTS_PER_LINE` times.

:data:`CASE_TRANSITIONS` is the only place a move is allowed. Commands return
``(case, events)``, bump ``version`` by one on a move, change nothing on a
repeat, and raise on a refusal, changing nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, TypeAlias

import attrs

from mallcore._fields import money, strings, to_tuple
from mallcore.catalog.listing import require_aware
from mallcore.errors import IllegalTransition, InvalidValue, WrongType
from mallcore.money import Money

__all__ = [
    "AfterSalesCase",
    "AfterSalesEvent",
    "CASE_TRANSITIONS",
    "CaseKind",
    "CaseMoved",
    "CaseStatus",
    "MAX_REQUESTS_PER_LINE",
    "OPEN_CASES",
]

MAX_REQUESTS_PER_LINE: Final = 5
"""How many cases a customer may open about one order line (a rejected one may be asked again)."""


class CaseKind(enum.Enum):
    """What the customer asks for."""

    REFUND_ONLY = "refund_only"
    """仅退款: the money back, the goods kept (or never shipped)."""
    RETURN_AND_REFUND = "return_and_refund"
    """退货退款: the goods go back, then the money."""


class CaseStatus(enum.Enum):
    """Where a case is (see the module docstring)."""

    REQUESTED = "requested"
    APPROVED = "approved"
    RETURNING = "returning"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"
    CLOSED = "closed"


OPEN_CASES: Final = frozenset(
    {
        CaseStatus.REQUESTED,
        CaseStatus.APPROVED,
        CaseStatus.RETURNING,
        CaseStatus.RECEIVED,
    }
)
"""The statuses in which a case waits for someone."""

CASE_TRANSITIONS: Final = MappingProxyType(
    {
        CaseStatus.REQUESTED: frozenset(
            {CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.CLOSED}
        ),
        CaseStatus.APPROVED: frozenset(
            {CaseStatus.RETURNING, CaseStatus.REFUNDED, CaseStatus.CLOSED}
        ),
        CaseStatus.RETURNING: frozenset({CaseStatus.RECEIVED}),
        CaseStatus.RECEIVED: frozenset({CaseStatus.REFUNDED, CaseStatus.CLOSED}),
        CaseStatus.REFUNDED: frozenset[CaseStatus](),
        CaseStatus.REJECTED: frozenset[CaseStatus](),
        CaseStatus.CLOSED: frozenset[CaseStatus](),
    }
)
"""The allowed moves of an after-sales case."""


def _units(values: Mapping[str, int] | Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """Line ids and unit counts as sorted pairs; WrongType for any other shape."""
    pairs = values.items() if isinstance(values, Mapping) else values
    try:
        units = [(line_id, quantity) for line_id, quantity in pairs]
    except (TypeError, ValueError):
        raise WrongType("units", values, "mapping of line id to units") from None
    for line_id, quantity in units:
        if (
            not isinstance(line_id, str)
            or isinstance(quantity, bool)
            or not isinstance(quantity, int)
        ):
            raise WrongType("units", values, "mapping of line id to units")
    return tuple(sorted(units))


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, value, "must be a non-empty string")
    return value


@attrs.frozen
class CaseMoved:
    """After-sales case ``case_id`` of ``order_id`` moved from ``source`` to ``target``."""

    case_id: str
    order_id: str
    source: CaseStatus | None
    target: CaseStatus
    at: datetime
    reason: str = ""


AfterSalesEvent: TypeAlias = CaseMoved
"""What an after-sales command reports."""


@attrs.frozen(kw_only=True)
class AfterSalesCase:
    """One after-sales case: units of lines of an order, what is asked, and where it is.

    ``units`` maps line ids to unit counts; ``amount`` is what the refund
    returns (the units' frozen payables, worked out by the order when the
    case is requested); ``due_at`` is when the current step times out (None
    when nothing waits).
    """

    id: str
    order_id: str
    kind: CaseKind
    units: tuple[tuple[str, int], ...] = attrs.field(converter=_units)
    reason: str
    evidence: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=strings)
    amount: Money = attrs.field(validator=money)
    status: CaseStatus = CaseStatus.REQUESTED
    requested_at: datetime
    due_at: datetime | None = None
    return_address: str = ""
    return_waybill: str = ""
    restock: bool = False
    no_reason: bool = False
    """A 七日无理由 return: the customer pays the return freight; else (a quality
    problem) the merchant does."""
    decision: str = ""
    """The merchant's reason for a rejection, or why the case closed."""
    version: int = 0

    def __attrs_post_init__(self) -> None:
        where = f"after-sales case {self.id!r}"
        _text("after-sales case.id", self.id)
        _text(f"{where}.reason", self.reason)
        require_aware(f"{where}.requested_at", self.requested_at)
        if self.due_at is not None:
            require_aware(f"{where}.due_at", self.due_at)
        if not self.units or any(q < 1 for _, q in self.units):
            raise InvalidValue(f"{where}.units", self.units, "must name at least one unit")
        if self.amount.is_negative():
            raise InvalidValue(f"{where}.amount", self.amount, "must not be negative")

    @classmethod
    def request(
        cls,
        case_id: str,
        *,
        order_id: str,
        kind: CaseKind,
        units: Mapping[str, int],
        reason: str,
        amount: Money,
        at: datetime,
        due_at: datetime,
        evidence: Iterable[str] = (),
        no_reason: bool = False,
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """A new case the merchant must handle by ``due_at``."""
        case = cls(
            id=case_id,
            order_id=order_id,
            kind=kind,
            units=units,
            reason=reason,
            evidence=evidence,
            amount=amount,
            requested_at=at,
            due_at=due_at,
            no_reason=no_reason,
        )
        return case, (CaseMoved(case_id, order_id, None, CaseStatus.REQUESTED, at, reason),)

    @property
    def return_freight_payer(self) -> str:
        """Who pays the return freight: "customer" for a no-reason return, else "merchant"."""
        return "customer" if self.no_reason else "merchant"

    def is_open(self) -> bool:
        """Whether the case still waits for someone (it keeps its order from completing)."""
        return self.status in OPEN_CASES

    def _move(
        self, target: CaseStatus, at: datetime, reason: str = "", **changes: Any
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        require_aware("at", at)
        if target not in CASE_TRANSITIONS[self.status]:
            raise IllegalTransition("after-sales case", self.id, self.status.value, target.value)
        new = attrs.evolve(self, status=target, version=self.version + 1, **changes)
        return new, (CaseMoved(self.id, self.order_id, self.status, target, at, reason),)

    def approve(
        self, *, at: datetime, return_address: str = "", due_at: datetime | None = None
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The merchant (or the 48-hour timeout) approves; a return needs its address."""
        if self.status is CaseStatus.APPROVED:
            return self, ()
        if self.kind is CaseKind.RETURN_AND_REFUND:
            _text("return_address", return_address)
        return self._move(CaseStatus.APPROVED, at, return_address=return_address, due_at=due_at)

    def reject(
        self, *, reason: str, at: datetime
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The merchant rejects, saying why; again changes nothing."""
        _text("reason", reason)
        if self.status is CaseStatus.REJECTED:
            return self, ()
        return self._move(CaseStatus.REJECTED, at, reason, decision=reason, due_at=None)

    def close(
        self, *, reason: str, at: datetime
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """Withdrawn, declined or timed out on the customer's side; again changes nothing."""
        if self.status is CaseStatus.CLOSED:
            return self, ()
        return self._move(CaseStatus.CLOSED, at, reason, decision=reason, due_at=None)

    def send_back(
        self, waybill: str, *, at: datetime, due_at: datetime
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The customer ships the goods back under ``waybill``; the same waybill again: nothing."""
        _text("waybill", waybill)
        if self.return_waybill == waybill:
            return self, ()
        if self.kind is not CaseKind.RETURN_AND_REFUND:
            raise IllegalTransition("after-sales case", self.id, self.status.value, "returning")
        return self._move(CaseStatus.RETURNING, at, waybill, return_waybill=waybill, due_at=due_at)

    def receive(
        self, *, restock: bool, at: datetime, reason: str = "received and inspected"
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The merchant confirms the goods came back (``restock``: sellable); again nothing."""
        if self.status is CaseStatus.RECEIVED:
            return self, ()
        return self._move(CaseStatus.RECEIVED, at, reason, restock=restock, due_at=None)

    def refunded(self, *, at: datetime) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The money went back (the order recorded the refund under the case id)."""
        if self.status is CaseStatus.REFUNDED:
            return self, ()
        return self._move(CaseStatus.REFUNDED, at, due_at=None)
