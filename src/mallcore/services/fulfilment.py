"""Fulfilment: ship in packages, apply tracking scans, confirm receipt.

Couriers send scans late, twice and out of order: each scan is kept on its
package once, in time order (``Shipment.scans``); a DELIVERED scan marks its
package delivered, the order is delivered once every package is, and a
repeat changes nothing. A
package is booked with the courier only after the order has accepted it
(checked without changing anything), under the package id
``<order id>-<n>``: a retried command books the same package again and gets
the same waybill. A booking the order could not record (a concurrent
writer, the database unavailable) is cancelled through the courier
(``cancel_shipment``) before the error goes on; the retry books anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from mallcore.errors import IllegalTransition
from mallcore.orders import Order
from mallcore.ports import Courier, TrackingEvent, UnitOfWork
from mallcore.services._packages import book_package
from mallcore.services._points import release_order_points
from mallcore.services.cases import has_open_case
from mallcore.services.members import credit_growth

__all__ = ["confirm_receipt", "handle_tracking_event", "ship_order"]


def ship_order(
    uow: UnitOfWork,
    courier: Courier,
    order_id: str,
    *,
    items: Mapping[str, int] | None,
    now: datetime,
    booked: list[str],
) -> tuple[Order, list[object]]:
    """Book a package of ``items`` (line id -> units; all that is left when None), record it.

    The package id booked is appended to ``booked``: if the command then
    fails to commit, the caller cancels the booking with the courier.
    """
    order = uow.orders.get(order_id)
    wanted = dict(items) if items is not None else order.unshipped_quantities()
    order.ship(waybill="to-be-booked", carrier="to-be-booked", at=now, items=wanted)
    package_id = f"{order.id}-{len(order.shipments) + 1}"
    waybill = book_package(courier, order, package_id, wanted, booked=booked)
    shipped, changes = order.ship(
        waybill=waybill.number, carrier=waybill.carrier, at=now, items=wanted
    )
    if not changes:
        return shipped, []
    uow.orders.save(shipped)
    uow.commit()
    return shipped, list(changes)


def handle_tracking_event(uow: UnitOfWork, event: TrackingEvent) -> tuple[Order, list[object]]:
    """Record a scan on its package, once; the order is delivered once every package is.

    The same scan again changes nothing; scans late or out of order are kept
    in time order.
    """
    order = uow.orders.get_by_waybill(event.waybill)
    tracked, changes = order.track_package(event.waybill, status=event.status.value, at=event.at)
    if tracked is not order:
        uow.orders.save(tracked)
        uow.commit()
    return tracked, list(changes)


def complete(uow: UnitOfWork, order: Order, *, now: datetime) -> list[object]:
    """What completing ``order`` moves besides the order: its points and the member's growth.

    The points held since payment are released once the order's after-sales
    window has passed (at once with a zero window); the goods payable, one
    growth point per currency unit, is credited to the member's tier.
    """
    window = order.after_sales_window
    released = release_order_points(uow, order, at=now, after_sales=window)
    return [*released, *credit_growth(uow, order, at=now)]


def confirm_receipt(uow: UnitOfWork, order_id: str, *, now: datetime) -> tuple[Order, list[object]]:
    """The customer confirms receipt (确认收货): the order is completed, its points released.

    Refused (IllegalTransition) while an after-sales case of the order is open.
    """
    order = uow.orders.get(order_id)
    completed, changes = order.complete(at=now)
    if not changes:
        return completed, []
    if has_open_case(uow, order_id):
        raise IllegalTransition(
            "order", order_id, order.status.value, "completed while an after-sales case is open"
        )
    moved = complete(uow, completed, now=now)
    uow.orders.save(completed)
    uow.commit()
    return completed, [*changes, *moved]
