"""Strategies for reconciliation: movements as mallcore recorded them, as statements list them."""

from __future__ import annotations

from datetime import datetime

from hypothesis import strategies as st

from mallcore.money import Money, currency_exponent
from mallcore.reconciliation import (
    MovementKind,
    MovementStatus,
    RecordedMovement,
    StatementEntry,
)
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._ids import ids
from mallcore.testing.strategies._money import currencies

__all__ = ["recorded_movements", "statement_entries"]


def _moved(currency: str) -> st.SearchStrategy[Money]:
    top = 10**6 * 10 ** currency_exponent(currency)
    return st.integers(1, top).map(lambda minor: Money.from_minor(minor, currency))


@st.composite
def recorded_movements(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    min_value: datetime = datetime(2000, 1, 1),
    max_value: datetime = datetime(2100, 1, 1),
) -> RecordedMovement:
    """A payment or refund as mallcore recorded it, between ``min_value`` and ``max_value``."""
    code = currency if currency is not None else draw(currencies())
    kind = draw(st.sampled_from(MovementKind))
    return RecordedMovement(
        kind=kind,
        transaction_id=draw(ids()),
        order_id=draw(ids()),
        amount=draw(_moved(code)),
        status=draw(st.sampled_from(MovementStatus)),
        at=draw(aware_datetimes(min_value=min_value, max_value=max_value)),
        refund_id=draw(ids()) if kind is MovementKind.REFUND else None,
    )


@st.composite
def statement_entries(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    min_value: datetime = datetime(2000, 1, 1),
    max_value: datetime = datetime(2100, 1, 1),
) -> StatementEntry:
    """A statement row: a recorded movement's fields, a signed fee or none, and a line number."""
    code = currency if currency is not None else draw(currencies())
    movement = draw(recorded_movements(code, min_value=min_value, max_value=max_value))
    fee = draw(st.none() | _moved(code) | _moved(code).map(lambda money: -money))
    return StatementEntry(
        kind=movement.kind,
        transaction_id=movement.transaction_id,
        order_id=movement.order_id,
        amount=movement.amount,
        status=movement.status,
        at=movement.at,
        refund_id=movement.refund_id,
        fee=fee,
        line=draw(st.integers(0, 10**6)),
    )
