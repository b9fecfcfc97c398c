"""After-sales cases (售后单): a customer's request about some units of an order, and its course.

::

    REQUESTED ──approve──▶ APPROVED ──(refund only) refund──────────────▶ REFUNDED
        │  │                   ▲  │                                          ▲
        │  └─offer less─▶ OFFERED ├──(return) send back──▶ RETURNING ──receive──▶ RECEIVED
        │       (accept) ─────┘│  └──timeout──▶ CLOSED
        ├──reject──▶ REJECTED  └──decline, timeout──▶ CLOSED
        └──withdraw──▶ CLOSED

    (exchange) APPROVED ──send back──▶ RETURNING ──receive──▶ RECEIVED ──ship──▶ EXCHANGED

- REQUESTED: the customer asks (kind, units per line, reason, evidence).
  The merchant handles it within ``Settings.after_sales_response`` (48
  hours by default): approves (a return gets the return address) or rejects
  with a reason. On timeout it is approved (by the system).
- OFFERED: the merchant approved a lower amount (``offer``, below the
  computed ``amount``; for a return too: the amount is only ever lowered).
  The customer accepts (APPROVED, the refund will pay the offer) or
  declines (CLOSED: the customer may request again); unanswered within
  ``Settings.offer_response`` (7 days) it closes as declined.
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
- An exchange goes like a return (approved with the address, the
  replacement's stock held; sent back; received), then EXCHANGED when the
  replacement ships as a new package of the order. It refunds nothing.
- A case whose units the order no longer refunds (refunded otherwise, or
  the order cancelled in full meanwhile) closes when its refund comes due.
- REJECTED, REFUNDED, EXCHANGED, CLOSED are final. A rejected line may be asked about
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
    "ReturnFreightOwed",
]

MAX_REQUESTS_PER_LINE: Final = 5
"""How many cases a customer may open about one order line (a rejected one may be asked again)."""


class CaseKind(enum.Enum):
    """What the customer asks for."""

    REFUND_ONLY = "refund_only"
    """仅退款: the money back, the goods kept (or never shipped)."""
    RETURN_AND_REFUND = "return_and_refund"
    """退货退款: the goods go back, then the money."""
    EXCHANGE = "exchange"
    """换货: the goods go back, and a replacement (the same SKU, or another SKU of
    the product at the same price) ships as a new package."""


class CaseStatus(enum.Enum):
    """Where a case is (see the module docstring)."""

    REQUESTED = "requested"
    OFFERED = "offered"
    APPROVED = "approved"
    RETURNING = "returning"
    RECEIVED = "received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    REJECTED = "rejected"
    CLOSED = "closed"


OPEN_CASES: Final = frozenset(
    {
        CaseStatus.REQUESTED,
        CaseStatus.OFFERED,
        CaseStatus.APPROVED,
        CaseStatus.RETURNING,
        CaseStatus.RECEIVED,
    }
)
"""The statuses in which a case waits for someone."""

CASE_TRANSITIONS: Final = MappingProxyType(
    {
        CaseStatus.REQUESTED: frozenset(
            {CaseStatus.APPROVED, CaseStatus.OFFERED, CaseStatus.REJECTED, CaseStatus.CLOSED}
        ),
        CaseStatus.OFFERED: frozenset({CaseStatus.APPROVED, CaseStatus.CLOSED}),
        CaseStatus.APPROVED: frozenset(
            {CaseStatus.RETURNING, CaseStatus.REFUNDED, CaseStatus.CLOSED}
        ),
        CaseStatus.RETURNING: frozenset({CaseStatus.RECEIVED}),
        CaseStatus.RECEIVED: frozenset(
            {CaseStatus.REFUNDED, CaseStatus.EXCHANGED, CaseStatus.CLOSED}
        ),
        CaseStatus.REFUNDED: frozenset[CaseStatus](),
        CaseStatus.EXCHANGED: frozenset[CaseStatus](),
        CaseStatus.REJECTED: frozenset[CaseStatus](),
        CaseStatus.CLOSED: frozenset[CaseStatus](),
    }
)
"""The allowed moves of an after-sales case."""


def _pairs_of(field: str, values: object, kind: type) -> list[tuple[str, Any]]:
    """The pairs of a mapping (or of pairs): line ids and ``kind`` values; else WrongType."""
    pairs = values.items() if isinstance(values, Mapping) else values
    expected = f"mapping of line id to {kind.__name__}"
    try:
        found = [(line_id, value) for line_id, value in pairs]  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise WrongType(field, values, expected) from None
    for line_id, value in found:
        if not isinstance(line_id, str) or not isinstance(value, kind) or isinstance(value, bool):
            raise WrongType(field, values, expected)
    return found


def _units(values: Mapping[str, int] | Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """Line ids and unit counts as sorted pairs."""
    return tuple(sorted(_pairs_of("units", values, int)))


def _pairs(values: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Line ids and replacement SKU ids as sorted pairs."""
    return tuple(sorted(_pairs_of("replacements", values, str)))


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, value, "must be a non-empty string")
    return value


def _check_offer(field: str, offer: object, computed: Money) -> None:
    if not isinstance(offer, Money) or offer.currency != computed.currency:
        raise InvalidValue(field, offer, f"must be a Money in {computed.currency}")
    if offer.is_zero() or offer.is_negative() or offer >= computed:
        raise InvalidValue(
            field, offer, f"must be above zero and below the {computed} the refund would return"
        )


def _check_postage(field: str, value: object, currency: str) -> None:
    if not isinstance(value, Money) or value.currency != currency:
        raise InvalidValue(field, value, f"must be a Money in {currency}")
    if value.is_negative():
        raise InvalidValue(field, value, "must not be negative")


@attrs.frozen
class ReturnFreightOwed:
    """Return postage of case ``case_id`` the payment could not carry: the host pays it otherwise.

    A refund never returns more than the order's payment; what the merchant
    owes for the postage beyond it is reported here (a transfer, a voucher).
    """

    case_id: str
    order_id: str
    amount: Money
    at: datetime


@attrs.frozen
class CaseMoved:
    """After-sales case ``case_id`` of ``order_id`` moved from ``source`` to ``target``."""

    case_id: str
    order_id: str
    source: CaseStatus | None
    target: CaseStatus
    at: datetime
    reason: str = ""


AfterSalesEvent: TypeAlias = CaseMoved | ReturnFreightOwed
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
    offer: Money | None = None
    """A lower whole refund the merchant offered (OFFERED), accepted once APPROVED."""
    replacements: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    """An exchange's replacement SKU per line id (every line of ``units``)."""
    replacement_waybill: str = ""
    """The waybill the replacement shipped under (EXCHANGED)."""
    return_freight: Money | None = None
    """The return postage the merchant pays back with the refund (declared with the
    waybill, capped by ``Settings.return_freight_cap``); None for a no-reason return."""
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
        if self.offer is not None:
            _check_offer(f"{where}.offer", self.offer, self.amount)
        if self.kind is CaseKind.EXCHANGE and {line for line, _ in self.replacements} != {
            line for line, _ in self.units
        }:
            raise InvalidValue(
                f"{where}.replacements", self.replacements, "must name a SKU for each line"
            )
        if self.return_freight is not None:
            _check_postage(f"{where}.return_freight", self.return_freight, self.amount.currency)

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
        replacements: Mapping[str, str] | None = None,
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """A new case the merchant must handle by ``due_at``."""
        case = cls(
            replacements=replacements or {},
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
    def refund_amount(self) -> Money:
        """What the refund pays: the accepted offer, else the computed ``amount``."""
        return self.offer if self.offer is not None else self.amount

    @property
    def return_freight_payer(self) -> str:
        """Who pays the return freight: "customer" for a no-reason return, else "merchant"."""
        return "customer" if self.no_reason else "merchant"

    @property
    def goes_back(self) -> bool:
        """Whether the goods are sent back (a return, an exchange)."""
        return self.kind is not CaseKind.REFUND_ONLY

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
        if self.goes_back:
            _text("return_address", return_address)
        return self._move(CaseStatus.APPROVED, at, return_address=return_address, due_at=due_at)

    def offer_lower(
        self, amount: Money, *, at: datetime, due_at: datetime, return_address: str = ""
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The merchant approves ``amount``, below the computed one, for the customer to accept.

        The same offer again changes nothing; an amount not below ``amount``
        (or not above zero) raises InvalidValue; a return needs its address.
        """
        _check_offer("amount", amount, self.amount)
        if self.kind is CaseKind.EXCHANGE:
            raise InvalidValue(
                "amount", amount, "an exchange refunds nothing: approve or reject it"
            )
        if self.status is CaseStatus.OFFERED and self.offer == amount:
            return self, ()
        if self.kind is CaseKind.RETURN_AND_REFUND:
            _text("return_address", return_address)
        return self._move(
            CaseStatus.OFFERED,
            at,
            f"offered {amount}",
            offer=amount,
            return_address=return_address,
            due_at=due_at,
        )

    def accept(
        self, *, at: datetime, due_at: datetime | None = None
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The customer accepts the offer: approved for the offered amount; again nothing."""
        if self.status is CaseStatus.APPROVED and self.offer is not None:
            return self, ()
        if self.status is not CaseStatus.OFFERED:
            raise IllegalTransition("after-sales case", self.id, self.status.value, "accepted")
        return self._move(CaseStatus.APPROVED, at, f"accepted {self.offer}", due_at=due_at)

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
        self,
        waybill: str,
        *,
        at: datetime,
        due_at: datetime,
        freight: Money | None = None,
        cap: Money | None = None,
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The customer ships the goods back under ``waybill``; the same waybill again: nothing.

        ``freight`` is the postage the customer declares: when the merchant
        pays the return freight (not a no-reason return) it is paid back with
        the refund, at most ``cap``; a no-reason return's customer pays it.
        """
        _text("waybill", waybill)
        if freight is not None:
            _check_postage("freight", freight, self.amount.currency)
        if self.return_waybill == waybill:
            return self, ()
        if not self.goes_back:
            raise IllegalTransition("after-sales case", self.id, self.status.value, "returning")
        paid = None
        if freight is not None and not self.no_reason:
            paid = freight if cap is None or freight <= cap else cap
        return self._move(
            CaseStatus.RETURNING,
            at,
            waybill,
            return_waybill=waybill,
            due_at=due_at,
            return_freight=paid,
        )

    def receive(
        self, *, restock: bool, at: datetime, reason: str = "received and inspected"
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The merchant confirms the goods came back (``restock``: sellable); again nothing."""
        if self.status is CaseStatus.RECEIVED:
            return self, ()
        return self._move(CaseStatus.RECEIVED, at, reason, restock=restock, due_at=None)

    def exchanged(
        self, waybill: str, *, at: datetime
    ) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The replacement shipped under ``waybill`` (an exchange received); again nothing."""
        _text("waybill", waybill)
        if self.status is CaseStatus.EXCHANGED:
            return self, ()
        if self.kind is not CaseKind.EXCHANGE:
            raise IllegalTransition("after-sales case", self.id, self.status.value, "exchanged")
        return self._move(
            CaseStatus.EXCHANGED, at, waybill, replacement_waybill=waybill, due_at=None
        )

    def refunded(self, *, at: datetime) -> tuple[AfterSalesCase, tuple[AfterSalesEvent, ...]]:
        """The money went back (the order recorded the refund under the case id)."""
        if self.status is CaseStatus.REFUNDED:
            return self, ()
        return self._move(CaseStatus.REFUNDED, at, due_at=None)
