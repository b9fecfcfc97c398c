"""The outbox side of a command: its events as envelopes, and what a relay reports.

Every domain event concerns one aggregate, named in its envelope:

=====================  ====================  ====================
events                 aggregate kind        aggregate id
=====================  ====================  ====================
order events           ``order``             ``order_id``
stock events           ``stock``             ``sku_id``
coupon events          ``coupon``            ``instance_id``
PointsRecorded         ``points account``    ``account_id``
MemberRegistered       ``member``            ``customer_id``
TierChanged            ``member``            ``member_id``
after-sales events     ``after-sales case``  ``case_id``
=====================  ====================  ====================

A command appends its events in the order they happened, each with its
place among the command's events of its aggregate; the commit numbers them
after the aggregate's last, and the relay hands them on in that order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import attrs

from mallcore.catalog import (
    ReservationExpired,
    StockCounted,
    StockDeducted,
    StockReleased,
    StockReserved,
    StockRestocked,
)
from mallcore.coupons import CouponClaimed, CouponLocked, CouponReleased, CouponUsed, CouponVoided
from mallcore.errors import InvalidValue
from mallcore.loyalty import MemberRegistered, PointsRecorded, TierChanged
from mallcore.orders import (
    AxisMoved,
    CancellationAsked,
    CaseMoved,
    OrderPlaced,
    OrderRefunded,
    OrderSettled,
    OrderStatusChanged,
    PackageShipped,
    PaymentRefunded,
    PaymentStatusChanged,
    ReturnFreightOwed,
)
from mallcore.ports import OutboxEvent, UnitOfWork
from mallcore.services.jobs import JobItemFailed
from mallcore.services.payments import PaymentFlagged

__all__ = ["RelayReport", "aggregate_of", "append_events"]

_ORDER = (
    OrderPlaced,
    OrderStatusChanged,
    PackageShipped,
    OrderRefunded,
    AxisMoved,
    CancellationAsked,
    OrderSettled,
)
_PAYMENT = (PaymentStatusChanged, PaymentRefunded, PaymentFlagged)
_STOCK = (
    StockReserved,
    StockReleased,
    ReservationExpired,
    StockDeducted,
    StockRestocked,
    StockCounted,
)
_CASE = (CaseMoved, ReturnFreightOwed)
_COUPON = (CouponClaimed, CouponLocked, CouponUsed, CouponReleased, CouponVoided)


def aggregate_of(event: object) -> tuple[str, str]:
    """The kind and id of the aggregate ``event`` concerns (the table in the module docstring)."""
    if isinstance(event, _ORDER):
        return "order", event.order_id
    if isinstance(event, _STOCK):
        return "stock", event.sku_id
    if isinstance(event, _COUPON):
        return "coupon", event.instance_id
    if isinstance(event, PointsRecorded):
        return "points account", event.account_id
    if isinstance(event, _PAYMENT):
        return "payment", event.payment_id
    if isinstance(event, _CASE):
        return "after-sales case", event.case_id
    if isinstance(event, JobItemFailed):
        return "job", event.job
    if isinstance(event, MemberRegistered):
        return "member", event.customer_id
    if isinstance(event, TierChanged):
        return "member", event.member_id
    raise InvalidValue("event", event, "is not a domain event the outbox knows")


def append_events(uow: UnitOfWork, events: Sequence[object], *, at: datetime) -> None:
    """Append ``events`` to ``uow``'s outbox (once per unit of work); the commit numbers them."""
    places: dict[tuple[str, str], int] = {}
    for event in events:
        kind, key = aggregate_of(event)
        places[kind, key] = places.get((kind, key), 0) + 1
        uow.outbox.append(
            OutboxEvent(
                id=uuid.uuid4().hex,
                aggregate_kind=kind,
                aggregate_id=key,
                sequence=places[kind, key],
                occurred_at=at,
                event=event,
            )
        )


@attrs.frozen(kw_only=True)
class RelayReport:
    """What one relay did: envelopes published and purged, or the publisher's error.

    With an ``error`` the batch stays unpublished (``published`` is 0) and
    the next relay hands it on again.
    """

    published: int = 0
    purged: int = 0
    error: Exception | None = None
