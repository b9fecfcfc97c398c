"""Courier port: hand a package over, get its waybill, read its tracking events (物流轨迹)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import attrs

__all__ = ["Courier", "TrackingEvent", "TrackingStatus", "Waybill"]


@attrs.frozen(kw_only=True)
class Waybill:
    """A courier's number for one package (运单号)."""

    carrier: str
    number: str


class TrackingStatus(enum.Enum):
    """Where a package is, as the courier reports it."""

    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"


@attrs.frozen(kw_only=True)
class TrackingEvent:
    """One scan of a package; couriers send these late, twice and out of order."""

    waybill: str
    status: TrackingStatus
    at: datetime


class Courier(Protocol):
    """Port: a courier (顺丰, 京东物流, 中通, ...).

    - ``create_shipment`` books the pickup of ``items`` (line id -> units) of
      ``order_id`` to ``destination`` (a region code) and returns its waybill;
      the same ``package_id`` again returns the same waybill; raises
      Unavailable when the courier cannot be reached.
    - ``cancel_shipment`` cancels the booking of ``package_id`` (one that
      could not be recorded); a package never booked, or cancelled before,
      is left as it is; booking the id again makes a new booking; raises
      Unavailable when the courier cannot be reached.
    """

    def create_shipment(
        self, *, package_id: str, order_id: str, items: Mapping[str, int], destination: str
    ) -> Waybill:
        """Book a package and return its waybill."""
        ...

    def cancel_shipment(self, *, package_id: str) -> None:
        """Cancel the booking of ``package_id``."""
        ...
