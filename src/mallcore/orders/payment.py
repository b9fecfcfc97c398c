"""Payment records: every attempt and every verified notification, kept before anything is decided.

::

    STARTED ──receive──▶ RECEIVED ──apply──▶ APPLIED
       │  │                 ▲  │
       │  └─close─▶ CLOSED ─┘  ├──return it──▶ REFUNDED
       └─decline─▶ DECLINED    └──hold it────▶ FLAGGED ──return it──▶ REFUNDED

- STARTED: the shop registered an attempt with the provider
  (:meth:`Payment.start`); a newer attempt of the same order closes it
  (CLOSED, through the gateway's ``close_payment``).
- RECEIVED: the provider says the money arrived. The record is saved in its
  own transaction before the order is looked at, so no money is ever held
  without a record; a notification for a payment the shop never started
  (an unknown order) is recorded straight as RECEIVED
  (:meth:`Payment.received`). A payer can still pay a closed attempt: the
  money arrived, so it is RECEIVED too.
- Then one decision: APPLIED (it paid its order), REFUNDED (returned in
  full: a wrong amount, an unknown order, an order cancelled or already
  paid), or FLAGGED (held for a person to decide, when the merchant says
  so; a person returns it later).
- DECLINED, CLOSED without money, and REFUNDED are final.

An APPLIED payment takes after-sales refunds (:meth:`Payment.refund`) within
the provider's limits: at most :data:`MAX_REFUNDS` refunds per payment, within
:data:`REFUND_PERIOD` of the payment, never more than was paid; each
RefundRefused or InvalidValue otherwise. A refund id recorded before changes
nothing (the gateway is asked again under the same id, which moves no money).

:data:`PAYMENT_TRANSITIONS` is the only place a move is allowed. Every command
returns ``(new payment, events)`` and bumps ``version`` by one when it moves;
a repeat returns the payment unchanged and no events.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, TypeAlias

import attrs

from mallcore._fields import members, money, to_tuple
from mallcore.catalog.listing import require_aware
from mallcore.errors import IllegalTransition, InvalidValue, RefundRefused
from mallcore.money import Money, total

__all__ = [
    "MAX_REFUNDS",
    "PAYMENT_TRANSITIONS",
    "Payment",
    "PaymentEvent",
    "PaymentRefund",
    "PaymentRefunded",
    "PaymentStatus",
    "PaymentStatusChanged",
    "REFUND_PERIOD",
]

MAX_REFUNDS: Final = 50
"""The most refunds one payment takes (微信支付: 一笔订单最多支持50次部分退款)."""

REFUND_PERIOD: Final = timedelta(days=365)
"""How long after the payment a refund is taken (微信支付 and 支付宝: one year)."""


class PaymentStatus(enum.Enum):
    """Where a payment is (see the module docstring)."""

    STARTED = "started"
    """An attempt registered with the provider, not paid yet."""
    CLOSED = "closed"
    """Superseded by a newer attempt and closed at the provider."""
    DECLINED = "declined"
    """The provider declined it. Final."""
    RECEIVED = "received"
    """The money arrived; recorded, not decided yet."""
    APPLIED = "applied"
    """It paid its order; after-sales refunds come out of it."""
    REFUNDED = "refunded"
    """Returned in full without paying an order. Final."""
    FLAGGED = "flagged"
    """Held for a person to decide; returned when they say."""


PAYMENT_TRANSITIONS: Final = MappingProxyType(
    {
        PaymentStatus.STARTED: frozenset(
            {PaymentStatus.CLOSED, PaymentStatus.DECLINED, PaymentStatus.RECEIVED}
        ),
        PaymentStatus.CLOSED: frozenset({PaymentStatus.RECEIVED}),
        PaymentStatus.DECLINED: frozenset[PaymentStatus](),
        PaymentStatus.RECEIVED: frozenset(
            {PaymentStatus.APPLIED, PaymentStatus.REFUNDED, PaymentStatus.FLAGGED}
        ),
        PaymentStatus.APPLIED: frozenset[PaymentStatus](),
        PaymentStatus.REFUNDED: frozenset[PaymentStatus](),
        PaymentStatus.FLAGGED: frozenset({PaymentStatus.REFUNDED}),
    }
)
"""The allowed moves of a payment: status -> the statuses it may move to."""


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, value, "must be a non-empty string")
    return value


@attrs.frozen(kw_only=True)
class PaymentRefund:
    """Money returned out of a payment under ``refund_id``, at ``at``, and why."""

    refund_id: str
    amount: Money = attrs.field(validator=money)
    at: datetime
    reason: str

    def __attrs_post_init__(self) -> None:
        _text("payment refund.refund_id", self.refund_id)
        require_aware(f"payment refund {self.refund_id!r}.at", self.at)
        if self.amount.is_negative() or self.amount.is_zero():
            raise InvalidValue(
                f"payment refund {self.refund_id!r}.amount", self.amount, "must be positive"
            )


@attrs.frozen
class PaymentStatusChanged:
    """Payment ``payment_id`` of ``order_id`` moved from ``source`` to ``target`` (and why)."""

    payment_id: str
    order_id: str
    source: PaymentStatus | None
    target: PaymentStatus
    at: datetime
    reason: str = ""


@attrs.frozen
class PaymentRefunded:
    """Money went back out of payment ``payment_id`` (the gateway was asked under its id)."""

    payment_id: str
    order_id: str
    refund: PaymentRefund


PaymentEvent: TypeAlias = PaymentStatusChanged | PaymentRefunded
"""What a payment command reports."""


@attrs.frozen(kw_only=True)
class Payment:
    """One payment of an order, as the provider knows it (``id`` is the provider's id).

    ``amount`` is what was asked for while STARTED, what arrived once
    received; ``reason`` says why it was refunded or flagged.
    """

    id: str
    order_id: str
    amount: Money = attrs.field(validator=money)
    status: PaymentStatus
    started_at: datetime | None = None
    received_at: datetime | None = None
    reason: str = ""
    refunds: tuple[PaymentRefund, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(PaymentRefund, "PaymentRefund")
    )
    version: int = 0

    def __attrs_post_init__(self) -> None:
        _text("payment.id", self.id)
        _text(f"payment {self.id!r}.order_id", self.order_id)
        for name in ("started_at", "received_at"):
            value = getattr(self, name)
            if value is not None:
                require_aware(f"payment {self.id!r}.{name}", value)
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 0:
            raise InvalidValue(f"payment {self.id!r}.version", self.version, "must be >= 0")
        if self.refunded > self.amount:
            raise InvalidValue(
                f"payment {self.id!r}.refunds", self.refunded, f"must not exceed {self.amount}"
            )

    @classmethod
    def start(
        cls, payment_id: str, *, order_id: str, amount: Money, at: datetime
    ) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """A new attempt registered with the provider, waiting for the payer."""
        return cls._new(payment_id, order_id, amount, PaymentStatus.STARTED, at)

    @classmethod
    def received(
        cls, payment_id: str, *, order_id: str, amount: Money, at: datetime
    ) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """Money the shop never asked for through :meth:`start` (an unknown attempt) arrived."""
        return cls._new(payment_id, order_id, amount, PaymentStatus.RECEIVED, at)

    @classmethod
    def _new(
        cls, payment_id: str, order_id: str, amount: Money, status: PaymentStatus, at: datetime
    ) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """A first record in ``status`` at ``at`` (its ``started_at`` or ``received_at``)."""
        require_aware("at", at)
        started = status is PaymentStatus.STARTED
        payment = cls(
            id=payment_id,
            order_id=order_id,
            amount=amount,
            status=status,
            started_at=at if started else None,
            received_at=None if started else at,
        )
        return payment, (PaymentStatusChanged(payment_id, order_id, None, status, at),)

    # reading ---------------------------------------------------------------------

    @property
    def refunded(self) -> Money:
        """What went back to the payer so far."""
        return total((refund.amount for refund in self.refunds), self.amount.currency)

    def is_received(self) -> bool:
        """Whether the money arrived (whatever was decided since)."""
        return self.received_at is not None

    # commands --------------------------------------------------------------------

    def _move(
        self, target: PaymentStatus, at: datetime, why: str = "", **changes: Any
    ) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        require_aware("at", at)
        if target not in PAYMENT_TRANSITIONS[self.status]:
            raise IllegalTransition("payment", self.id, self.status.value, target.value)
        new = attrs.evolve(self, status=target, version=self.version + 1, **changes)
        return new, (PaymentStatusChanged(self.id, self.order_id, self.status, target, at, why),)

    def receive(self, *, amount: Money, at: datetime) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """The provider says ``amount`` arrived; a payment received before changes nothing."""
        if self.is_received():
            return self, ()
        return self._move(PaymentStatus.RECEIVED, at, amount=amount, received_at=at)

    def decline(self, *, at: datetime) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """The provider declined the attempt; again, once closed or received, changes nothing."""
        if self.status is not PaymentStatus.STARTED:
            return self, ()
        return self._move(PaymentStatus.DECLINED, at)

    def close(self, *, at: datetime) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """A newer attempt supersedes this one (closed at the provider); again changes nothing."""
        if self.status is PaymentStatus.CLOSED:
            return self, ()
        return self._move(PaymentStatus.CLOSED, at, "superseded by a newer attempt")

    def apply(self, *, at: datetime) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """The payment paid its order; again changes nothing."""
        if self.status is PaymentStatus.APPLIED:
            return self, ()
        return self._move(PaymentStatus.APPLIED, at)

    def flag(self, *, reason: str, at: datetime) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """Hold the money for a person to decide, saying why; again changes nothing."""
        _text("reason", reason)
        if self.status is PaymentStatus.FLAGGED:
            return self, ()
        return self._move(PaymentStatus.FLAGGED, at, reason, reason=reason)

    def return_in_full(
        self, refund_id: str, *, reason: str, at: datetime
    ) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """Give all the money back without paying an order (REFUNDED); again changes nothing."""
        _text("reason", reason)
        if self.status is PaymentStatus.REFUNDED:
            return self, ()
        refund = PaymentRefund(refund_id=refund_id, amount=self.amount, at=at, reason=reason)
        moved, events = self._move(
            PaymentStatus.REFUNDED, at, reason, reason=reason, refunds=(*self.refunds, refund)
        )
        return moved, (*events, PaymentRefunded(self.id, self.order_id, refund))

    def refund(
        self, refund_id: str, *, amount: Money, at: datetime, reason: str
    ) -> tuple[Payment, tuple[PaymentEvent, ...]]:
        """Return ``amount`` of an applied payment (after-sales), within the provider's limits.

        A ``refund_id`` recorded before changes nothing. Refused with
        IllegalTransition unless APPLIED; RefundRefused past
        :data:`MAX_REFUNDS` refunds or :data:`REFUND_PERIOD` after the
        payment; InvalidValue above what is left of it.
        """
        _text("refund_id", refund_id)
        require_aware("at", at)
        if any(refund.refund_id == refund_id for refund in self.refunds):
            return self, ()
        if self.status is not PaymentStatus.APPLIED:
            raise IllegalTransition("payment", self.id, self.status.value, "refunded")
        what = f"payment {self.id!r}"
        if len(self.refunds) >= MAX_REFUNDS:
            raise RefundRefused(what, f"it has had the {MAX_REFUNDS} refunds a payment takes")
        if self.received_at is not None and at > self.received_at + REFUND_PERIOD:
            raise RefundRefused(
                what, f"it was paid at {self.received_at.isoformat()}, over a year before"
            )
        left = self.amount - self.refunded
        if amount > left:
            raise InvalidValue("amount", amount, f"exceeds the {left} left of {what}")
        refund = PaymentRefund(refund_id=refund_id, amount=amount, at=at, reason=reason)
        new = attrs.evolve(self, refunds=(*self.refunds, refund), version=self.version + 1)
        return new, (PaymentRefunded(self.id, self.order_id, refund),)
