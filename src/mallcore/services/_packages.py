"""Booking a package with the courier, for an order's shipment and an exchange's replacement.

The caller has checked that the order accepts the package (without changing
anything); the package id booked is appended to ``booked``, so that the
Mall cancels the booking through the courier if the command then fails.
"""

from __future__ import annotations

from collections.abc import Mapping

from mallcore.errors import InvalidValue
from mallcore.orders import Order
from mallcore.ports import Courier, Waybill

__all__ = ["book_package"]


def book_package(
    courier: Courier,
    order: Order,
    package_id: str,
    items: Mapping[str, int],
    *,
    booked: list[str],
) -> Waybill:
    """Book ``items`` (line id -> units) of ``order`` as ``package_id`` to its consignee.

    An order without a consignee raises InvalidValue and books nothing.
    """
    if order.consignee is None:
        raise InvalidValue("order.consignee", None, f"order {order.id!r} has no address to ship to")
    waybill = courier.create_shipment(
        package_id=package_id,
        order_id=order.id,
        items=items,
        destination=order.consignee.region,
    )
    booked.append(package_id)
    return waybill
