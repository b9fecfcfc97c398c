"""Listing status (上架 / 下架 / 删除) and scheduled listing (定时上架 / 定时下架).

Rules:

- A product is :attr:`~ListingStatus.ON_SHELF` (上架), :attr:`~ListingStatus.OFF_SHELF`
  (下架) or :attr:`~ListingStatus.DELETED` (删除). :data:`LISTING_TRANSITIONS` is the only
  place moves are allowed: on and off shelf move to each other and to
  deleted; deleted is final. Staying in the same state is not a move.
- A :class:`Listing` may carry a window: ``listed_from`` (定时上架) and
  ``listed_until`` (定时下架), both timezone-aware, ``from`` inclusive and
  ``until`` exclusive. A product is listed at ``now`` when it is on shelf and
  ``now`` is inside the window; nothing reads the clock, ``now`` is passed in.

>>> from datetime import datetime, timezone
>>> singles_day = datetime(2026, 11, 11, tzinfo=timezone.utc)
>>> listing = Listing(ListingStatus.ON_SHELF, listed_from=singles_day)
>>> listing.is_listed(datetime(2026, 11, 10, tzinfo=timezone.utc))
False
"""

from __future__ import annotations

import enum
from datetime import datetime
from types import MappingProxyType
from typing import Final

import attrs

# require_aware is the one rule of _fields, under the name the catalog and orders call it by
from mallcore._fields import aware as require_aware
from mallcore.errors import IllegalTransition, InvalidValue

__all__ = [
    "LISTING_TRANSITIONS",
    "Listing",
    "ListingStatus",
    "require_aware",
]


class ListingStatus(enum.Enum):
    """Whether a product is shown and sold."""

    ON_SHELF = "on_shelf"
    """上架: shown and sold (inside its window)."""
    OFF_SHELF = "off_shelf"
    """下架: hidden, not sold; can go back on shelf."""
    DELETED = "deleted"
    """删除: gone for good; final."""


LISTING_TRANSITIONS: Final = MappingProxyType(
    {
        ListingStatus.ON_SHELF: frozenset({ListingStatus.OFF_SHELF, ListingStatus.DELETED}),
        ListingStatus.OFF_SHELF: frozenset({ListingStatus.ON_SHELF, ListingStatus.DELETED}),
        ListingStatus.DELETED: frozenset[ListingStatus](),
    }
)
"""The allowed moves: status -> the statuses it may move to."""


def _optional_aware(field: str, moment: datetime | None) -> None:
    if moment is not None:
        require_aware(field, moment)


@attrs.frozen
class Listing:
    """A product's listing status and its optional window (定时上架 / 定时下架)."""

    status: ListingStatus = ListingStatus.OFF_SHELF
    listed_from: datetime | None = attrs.field(default=None, kw_only=True)
    listed_until: datetime | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.status, ListingStatus):
            raise InvalidValue("listing.status", self.status, "must be a ListingStatus")
        _optional_aware("listing.listed_from", self.listed_from)
        _optional_aware("listing.listed_until", self.listed_until)
        if (
            self.listed_from is not None
            and self.listed_until is not None
            and self.listed_until <= self.listed_from
        ):
            raise InvalidValue(
                "listing.listed_until",
                self.listed_until,
                f"must be after listed_from {self.listed_from.isoformat()}",
            )

    def move_to(self, status: ListingStatus, *, key: object = None) -> Listing:
        """This listing in ``status``, or IllegalTransition if the table forbids the move."""
        if status not in LISTING_TRANSITIONS[self.status]:
            raise IllegalTransition("product listing", key, self.status.value, status.value)
        return attrs.evolve(self, status=status)

    def scheduled(
        self, *, listed_from: datetime | None = None, listed_until: datetime | None = None
    ) -> Listing:
        """This listing with a new window (None: open on that side)."""
        return attrs.evolve(self, listed_from=listed_from, listed_until=listed_until)

    def is_listed(self, now: datetime) -> bool:
        """Whether it is on shelf and ``now`` (timezone-aware) is inside the window."""
        require_aware("now", now)
        if self.status is not ListingStatus.ON_SHELF:
            return False
        if self.listed_from is not None and now < self.listed_from:
            return False
        return self.listed_until is None or now < self.listed_until
