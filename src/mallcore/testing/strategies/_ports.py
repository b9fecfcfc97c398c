"""Strategies for the values ports carry: couriers' waybills and scans, payments, the outbox."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from mallcore.money import Money, currency_exponent
from mallcore.orders import AxisMoved, OrderStatusChanged
from mallcore.ports import (
    OutboxEvent,
    PaymentNotification,
    PaymentRequest,
    PaymentResult,
    ReadAhead,
    Refund,
    TrackingEvent,
    TrackingStatus,
    Waybill,
)
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._ids import ids
from mallcore.testing.strategies._money import currencies
from mallcore.testing.strategies._orders import axis_moved_events, order_status_changed_events

__all__ = [
    "outbox_events",
    "payment_notifications",
    "payment_requests",
    "provider_refunds",
    "read_aheads",
    "tracking_events",
    "waybills",
]

_ORDER_IDS = st.from_regex(r"\AO-[0-9]{1,8}\Z")
_PAYMENT_IDS = st.from_regex(r"\AP-[0-9]{1,8}\Z")
_WAYBILL_NUMBERS = st.from_regex(r"\ASF[0-9]{12}\Z")


def _amounts(currency: str | None) -> st.SearchStrategy[Money]:
    """Positive amounts up to 10,000 major units in ``currency`` (drawn if None)."""
    codes = st.just(currency) if currency is not None else currencies()
    return codes.flatmap(
        lambda code: st.integers(1, 10_000 * 10 ** currency_exponent(code)).map(
            lambda minor: Money.from_minor(minor, code)
        )
    )


def waybills() -> st.SearchStrategy[Waybill]:
    """A courier's number for a package (运单号)."""
    return st.builds(
        lambda carrier, digits: Waybill(carrier=carrier, number=carrier + digits),
        st.sampled_from(["SF", "ZTO", "JD"]),
        st.from_regex(r"\A[0-9]{12}\Z"),
    )


def tracking_events() -> st.SearchStrategy[TrackingEvent]:
    """A scan of a package in any tracking status."""
    return st.builds(
        TrackingEvent,
        waybill=_WAYBILL_NUMBERS,
        status=st.sampled_from(TrackingStatus),
        at=aware_datetimes(),
    )


def payment_requests(currency: str | None = None) -> st.SearchStrategy[PaymentRequest]:
    """What a shopper's client needs to pay an order, payable for up to a day."""
    return st.builds(
        lambda order_id, amount, reference, at, minutes: PaymentRequest(
            order_id=order_id,
            amount=amount,
            reference=reference,
            expires_at=at + timedelta(minutes=minutes),
        ),
        _ORDER_IDS,
        _amounts(currency),
        st.from_regex(r"\Awx[0-9a-f]{16}\Z"),
        aware_datetimes(),
        st.integers(1, 24 * 60),
    )


def payment_notifications(currency: str | None = None) -> st.SearchStrategy[PaymentNotification]:
    """A verified notification of a payment that succeeded or was declined."""
    return st.builds(
        PaymentNotification,
        order_id=_ORDER_IDS,
        payment_id=_PAYMENT_IDS,
        amount=_amounts(currency),
        result=st.sampled_from(PaymentResult),
        at=aware_datetimes(),
    )


def provider_refunds(currency: str | None = None) -> st.SearchStrategy[Refund]:
    """A refund a payment provider accepted."""
    return st.builds(
        Refund,
        refund_id=st.from_regex(r"\AR-[0-9]{1,8}\Z"),
        payment_id=_PAYMENT_IDS,
        amount=_amounts(currency),
    )


def _envelope(event: OrderStatusChanged | AxisMoved, sequence: int) -> OutboxEvent:
    return OutboxEvent(
        id=f"{event.order_id}:{sequence}",
        aggregate_kind="order",
        aggregate_id=event.order_id,
        sequence=sequence,
        occurred_at=event.at,
        event=event,
    )


def read_aheads() -> st.SearchStrategy[ReadAhead]:
    """What a command may name to read ahead: up to three ids of each kind, by the id rule."""
    keys = st.lists(ids(max_size=24), max_size=3)
    return st.builds(
        ReadAhead,
        orders=keys,
        configuration=st.booleans(),
        products_by_sku=keys,
        members=keys,
        coupons_of_customer=keys,
        stocks=keys,
    )


def outbox_events() -> st.SearchStrategy[OutboxEvent]:
    """The envelope of an order's move, at its place (1 to 10) in the order's history."""
    events = order_status_changed_events() | axis_moved_events()
    return st.builds(_envelope, events, st.integers(1, 10))
