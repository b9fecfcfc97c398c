"""One merchant's 3 December 2026 in Shanghai, and helpers to build both sides of it."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from dateutil import tz

from mallcore.money import Money
from mallcore.reconciliation import (
    MovementKind,
    MovementStatus,
    RecordedMovement,
    StatementEntry,
)


def _shanghai() -> tzinfo:
    zone = tz.gettz("Asia/Shanghai")
    assert zone is not None
    return zone


SHANGHAI = _shanghai()
DAY = date(2026, 12, 3)


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 3) -> datetime:
    """A moment of December 2026 in Shanghai (the 3rd unless told)."""
    return datetime(2026, 12, day, hour, minute, second, tzinfo=SHANGHAI)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def entry_of(movement: RecordedMovement, *, line: int = 0) -> StatementEntry:
    """The statement entry that agrees with a recorded movement in every field."""
    return StatementEntry(
        kind=movement.kind,
        transaction_id=movement.transaction_id,
        order_id=movement.order_id,
        amount=movement.amount,
        status=movement.status,
        at=movement.at,
        refund_id=movement.refund_id,
        line=line,
    )


TEAPOT = RecordedMovement.payment(
    "4200000001", order_id="O-1001", amount=cny("190.00"), at=at(10, 31)
)
CUPS = RecordedMovement.payment("4200000002", order_id="O-1002", amount=cny("43.00"), at=at(14, 2))
CUPS_REFUND = RecordedMovement.refund(
    "O-1002-RMA-1",
    transaction_id="4200000002",
    order_id="O-1002",
    amount=cny("43.00"),
    at=at(16, 20),
)
PENDING = MovementStatus.PENDING
PAYMENT = MovementKind.PAYMENT
REFUND = MovementKind.REFUND
