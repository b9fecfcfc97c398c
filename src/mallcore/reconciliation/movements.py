"""The two sides of a reconciliation: the provider's statement, and what mallcore recorded.

A *movement* is one payment or one refund. Both sides describe it in the
same words, so comparing them is a field-by-field affair:

- a payment is known by the provider's transaction id (微信支付订单号,
  ``PaymentNotification.payment_id``);
- a refund is known by the merchant's refund id (商户退款单号: the
  ``refund_id`` mallcore gives the gateway, reused on every retry), and names
  the transaction it returns money from;
- ``amount`` is what moved, always positive: the payment's amount, or the
  refund's amount;
- ``at`` is when it happened, timezone-aware: for a payment the moment it
  succeeded, for a refund the moment it was accepted (the WeChat Pay bill
  lists a refund at the time it was requested successfully, not when the
  money arrived).

:class:`StatementEntry` is a row of a statement (read by a
:class:`~mallcore.ports.StatementReader`), with the provider's fee and the
line it came from; :class:`MalformedRow` is a row the reader could not read;
:class:`Statement` holds both. :class:`RecordedMovement` is what mallcore
stored.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from mallcore._fields import id_field, members, to_tuple
from mallcore.errors import InvalidValue, WrongType
from mallcore.money import Money

__all__ = [
    "MalformedRow",
    "MovementKind",
    "MovementStatus",
    "RecordedMovement",
    "Statement",
    "StatementEntry",
]


class MovementKind(enum.Enum):
    """Which way the money went."""

    PAYMENT = "payment"
    """The customer paid the merchant."""
    REFUND = "refund"
    """The merchant returned money of a payment."""


class MovementStatus(enum.Enum):
    """Where a movement stands with the provider."""

    SUCCEEDED = "succeeded"
    """The money moved."""
    PENDING = "pending"
    """Accepted, not yet settled (a refund in progress: 退款处理中)."""
    FAILED = "failed"
    """The provider gave up (a refund closed or sent elsewhere by hand)."""
    REVERSED = "reversed"
    """A payment taken back by the provider after it succeeded (撤销)."""


def _aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, datetime):
        raise WrongType(attribute.name, value, "datetime")
    if value.utcoffset() is None:
        raise InvalidValue(attribute.name, value, "must be timezone-aware")


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Money):
        raise WrongType(attribute.name, value, "Money")
    if value.is_zero() or value.is_negative():
        raise InvalidValue(attribute.name, value, "must be more than zero")


def _refund_id_matches_kind(kind: MovementKind, refund_id: str | None) -> None:
    if kind is MovementKind.REFUND and refund_id is None:
        raise InvalidValue("refund_id", refund_id, "a refund needs its refund id")
    if kind is MovementKind.PAYMENT and refund_id is not None:
        raise InvalidValue("refund_id", refund_id, "a payment has no refund id")


@attrs.frozen(kw_only=True)
class StatementEntry:
    """One payment or refund as the provider's statement lists it.

    ``fee`` is the provider's fee on it (手续费; a refund's is usually
    negative: the fee given back), None when the statement has none.
    ``line`` is the entry's line in the statement file (0 when it was not
    read from one).
    """

    kind: MovementKind
    transaction_id: str = attrs.field(validator=id_field)
    order_id: str = attrs.field(validator=id_field)
    amount: Money = attrs.field(validator=_positive)
    status: MovementStatus
    at: datetime = attrs.field(validator=_aware)
    refund_id: str | None = attrs.field(default=None, validator=id_field)
    fee: Money | None = None
    line: int = 0

    def __attrs_post_init__(self) -> None:
        _refund_id_matches_kind(self.kind, self.refund_id)

    @property
    def key(self) -> str:
        """What it is known by: a refund's refund id, a payment's transaction id."""
        return self.refund_id if self.refund_id is not None else self.transaction_id


@attrs.frozen(kw_only=True)
class RecordedMovement:
    """A payment or refund as mallcore recorded it: a :class:`StatementEntry`'s fields, no fee.

    >>> from datetime import datetime, timezone, timedelta
    >>> at = datetime(2026, 12, 3, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    >>> RecordedMovement.payment("4200001", order_id="O-1", amount=Money("99.00", "CNY"), at=at).key
    '4200001'
    """

    kind: MovementKind
    transaction_id: str = attrs.field(validator=id_field)
    order_id: str = attrs.field(validator=id_field)
    amount: Money = attrs.field(validator=_positive)
    status: MovementStatus
    at: datetime = attrs.field(validator=_aware)
    refund_id: str | None = attrs.field(default=None, validator=id_field)

    def __attrs_post_init__(self) -> None:
        _refund_id_matches_kind(self.kind, self.refund_id)

    @property
    def key(self) -> str:
        """What it is known by: a refund's refund id, a payment's transaction id."""
        return self.refund_id if self.refund_id is not None else self.transaction_id

    @classmethod
    def payment(
        cls,
        transaction_id: str,
        *,
        order_id: str,
        amount: Money,
        at: datetime,
        status: MovementStatus = MovementStatus.SUCCEEDED,
    ) -> RecordedMovement:
        """A payment mallcore recorded: the provider's ``transaction_id`` for ``order_id``."""
        return cls(
            kind=MovementKind.PAYMENT,
            transaction_id=transaction_id,
            order_id=order_id,
            amount=amount,
            status=status,
            at=at,
        )

    @classmethod
    def refund(
        cls,
        refund_id: str,
        *,
        transaction_id: str,
        order_id: str,
        amount: Money,
        at: datetime,
        status: MovementStatus = MovementStatus.SUCCEEDED,
    ) -> RecordedMovement:
        """A refund mallcore asked for: ``refund_id`` of payment ``transaction_id``."""
        return cls(
            kind=MovementKind.REFUND,
            transaction_id=transaction_id,
            order_id=order_id,
            amount=amount,
            status=status,
            at=at,
            refund_id=refund_id,
        )


@attrs.frozen(kw_only=True)
class MalformedRow:
    """A statement row that could not be read: its ``line``, its ``text`` and the ``reason``."""

    line: int
    text: str
    reason: str


@attrs.frozen(kw_only=True)
class Statement:
    """A statement as read: its entries in file order, and the rows that could not be read."""

    entries: tuple[StatementEntry, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(StatementEntry, "StatementEntry")
    )
    malformed: tuple[MalformedRow, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(MalformedRow, "MalformedRow")
    )
