"""Strategies for what the use cases take and report: checkouts, job and relay reports, payments."""

from __future__ import annotations

from hypothesis import strategies as st

from mallcore.errors import IllegalTransition, MallcoreError, NotFound, StaleVersion, Unavailable
from mallcore.services import (
    Checkout,
    JobItemFailed,
    JobReport,
    PaymentFlagged,
    PaymentHandled,
    PaymentOutcome,
    RelayReport,
)
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._orders import consignees
from mallcore.testing.strategies._ports import provider_refunds
from mallcore.testing.strategies._shipping import division_codes

__all__ = [
    "checkouts",
    "job_item_failed_events",
    "job_reports",
    "payment_flagged_events",
    "payment_handled_outcomes",
    "relay_reports",
]

_ORDER_IDS = st.from_regex(r"\AO-[0-9]{1,8}\Z")
_JOBS = st.sampled_from(["expire_unpaid_orders", "complete_delivered_orders", "expire_points"])


def _errors(order_id: str) -> st.SearchStrategy[MallcoreError]:
    """Errors a job meets on ``order_id``: gone, saved by another, a refused move, an outage."""
    return st.sampled_from(
        [
            NotFound("order", order_id),
            StaleVersion("order", order_id, 2, 3),
            IllegalTransition("order", order_id, "paid", "closed"),
            _OUTAGE,
        ]
    )


_OUTAGE = Unavailable("event publisher", "connection refused")
_FAILURES = _ORDER_IDS.flatmap(lambda order_id: st.tuples(st.just(order_id), _errors(order_id)))
"""An item and the error a job met on it."""


def checkouts() -> st.SearchStrategy[Checkout]:
    """What a shopper asks for: up to four SKUs, coupons or the best, where to, points."""
    return st.builds(
        Checkout,
        customer_id=st.sampled_from(["alice", "bob", "chen"]),
        items=st.dictionaries(
            st.sampled_from(["sku-1", "sku-2", "sku-3", "sku-4"]),
            st.integers(1, 5),
            min_size=1,
        ),
        coupons=st.none() | st.lists(st.sampled_from(["coupon-0", "coupon-1"]), unique=True),
        consignee=st.none() | consignees(),
        destination=st.none() | division_codes(),
        shipping_method=st.sampled_from([None, "standard", "express"]),
        points=st.none() | st.integers(0, 10_000),
    )


def job_item_failed_events() -> st.SearchStrategy[JobItemFailed]:
    """A job could not handle an item, and what was raised."""
    return st.builds(
        lambda job, failure, at: JobItemFailed(job, failure[0], str(failure[1]), at),
        _JOBS,
        _FAILURES,
        aware_datetimes(),
    )


def job_reports() -> st.SearchStrategy[JobReport]:
    """What a job did: up to five items changed, up to two that failed, each with its error."""
    return st.builds(
        JobReport,
        done=st.lists(_ORDER_IDS, max_size=5, unique=True).map(tuple),
        failed=st.lists(_FAILURES, max_size=2, unique_by=lambda failure: failure[0]).map(tuple),
    )


def relay_reports() -> st.SearchStrategy[RelayReport]:
    """What one outbox relay did: envelopes published and purged, or the publisher's error."""
    return st.builds(
        RelayReport,
        published=st.integers(0, 100),
        purged=st.integers(0, 100),
    ) | st.builds(RelayReport, error=st.just(_OUTAGE))


def payment_flagged_events() -> st.SearchStrategy[PaymentFlagged]:
    """A payment a person should look at, and why."""
    return st.builds(
        PaymentFlagged,
        st.from_regex(r"\AP-[0-9]{1,8}\Z"),
        _ORDER_IDS,
        st.sampled_from(["second payment", "amount does not match the order"]),
        aware_datetimes(),
    )


def payment_handled_outcomes() -> st.SearchStrategy[PaymentHandled]:
    """The outcome of a payment notification: paid, declined, or refunded with the refund."""
    handled = st.builds(
        PaymentHandled,
        order_id=_ORDER_IDS,
        outcome=st.sampled_from([o for o in PaymentOutcome if o is not PaymentOutcome.REFUNDED]),
        reason=st.sampled_from(["", "declined by the bank"]),
    )
    refunded = st.builds(
        PaymentHandled,
        order_id=_ORDER_IDS,
        outcome=st.just(PaymentOutcome.REFUNDED),
        reason=st.just("the order was cancelled before the payment arrived"),
        refund=provider_refunds(),
    )
    return handled | refunded
