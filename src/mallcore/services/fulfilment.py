"""Fulfilment: ship in packages, apply tracking scans, confirm receipt.

Couriers send scans late, twice and out of order: only a DELIVERED scan of
the order's last package delivers it, and a repeat changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from mallcore.orders import Order, OrderStatus
from mallcore.ports import Clock, Courier, EventPublisher, TrackingEvent, TrackingStatus, UnitOfWork
from mallcore.services._points import after_sales_window, release_order_points

__all__ = ["confirm_receipt", "handle_tracking_event", "ship_order"]


def ship_order(
    *,
    uow: UnitOfWork,
    courier: Courier,
    clock: Clock,
    events: EventPublisher,
    order_id: str,
    destination: str,
    items: Mapping[str, int] | None = None,
) -> Order:
    """Book a package of ``items`` (line id -> units; all that is left when None) and record it."""
    with uow:
        order = uow.orders.get(order_id)
        wanted = dict(items) if items is not None else order.unshipped_quantities()
        waybill = courier.create_shipment(
            package_id=f"{order.id}-{len(order.shipments) + 1}",
            order_id=order.id,
            items=wanted,
            destination=destination,
        )
        shipped, changes = order.ship(
            waybill=waybill.number, carrier=waybill.carrier, at=clock.now(), items=wanted
        )
        if changes:
            uow.orders.save(shipped)
            uow.commit()
    events.publish(changes)
    return shipped


def handle_tracking_event(
    *, uow: UnitOfWork, events: EventPublisher, event: TrackingEvent
) -> Order:
    """Deliver the order at the DELIVERED scan of its last package; other scans change nothing."""
    with uow:
        order = uow.orders.get_by_waybill(event.waybill)
        if (
            event.status is not TrackingStatus.DELIVERED
            or event.waybill != order.shipments[-1].waybill
            or order.status is not OrderStatus.SHIPPED
        ):
            return order
        delivered, changes = order.deliver(at=event.at)
        uow.orders.save(delivered)
        uow.commit()
    events.publish(changes)
    return delivered


def confirm_receipt(
    *,
    uow: UnitOfWork,
    clock: Clock,
    events: EventPublisher,
    order_id: str,
    after_sales: timedelta = timedelta(0),
) -> Order:
    """The customer confirms receipt (确认收货): the order is completed, its points released.

    The points held since payment are released in the same transaction: at
    once, or when the ``after_sales`` window has passed since completion.
    """
    window = after_sales_window(after_sales)
    with uow:
        order = uow.orders.get(order_id)
        completed, changes = order.complete(at=clock.now())
        if not changes:
            return completed
        released = release_order_points(uow, completed, at=clock.now(), after_sales=window)
        uow.orders.save(completed)
        uow.commit()
    events.publish([*changes, *released])
    return completed
