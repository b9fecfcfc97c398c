"""Stock of one SKU: reservations for orders, deduction, expiry, restocking, stocktakes.

Theory of operation (docs/catalog.md has the full table):

- :class:`Stock` is an immutable aggregate per SKU. ``on_hand`` counts the
  units the shop still owns; ``reservations`` hold units for orders that
  are not paid yet; ``available = on_hand - reserved`` is what a new order may
  take. ``deductions`` are the units unpaid orders took off ``on_hand`` when
  they were placed (DEDUCT_ON_ORDER). A stock holds only what is live: once an
  order is paid its hold leaves the stock, and the units that left for good
  are a :class:`StockMovement` (one per order and SKU) that storage keeps
  apart, so a SKU's stock stays as small as its live holds whatever its sales
  history.
- Every command returns ``(new_stock, events)``; a command that changes
  something bumps ``version`` by one (for optimistic concurrency in storage),
  a command that changes nothing returns the same stock and no events, and a
  refused command raises and changes nothing. ``on_hand`` and ``available``
  never go below zero.
- :class:`StockPolicy` says when units leave ``on_hand``:

  * ``DEDUCT_ON_PAYMENT`` (付款减库存): :meth:`Stock.reserve` holds units until
    ``now + hold``; :meth:`Stock.deduct` (the order is paid) takes them out of
    ``on_hand``; :meth:`Stock.release` (cancelled) and :meth:`Stock.expire`
    (the hold lapsed) give them back to ``available``.
  * ``DEDUCT_ON_ORDER`` (下单减库存): :meth:`Stock.reserve` takes units out of
    ``on_hand`` at once, with no expiry; :meth:`Stock.deduct` confirms the
    order paid; :meth:`Stock.release` (an unpaid order cancelled) puts the
    units back; :meth:`Stock.expire` has nothing to do (the order timeout
    cancels the order, which releases).

- Commands are idempotent per order id, because notifications and retries
  arrive more than once: reserving again for the same order and quantity,
  deducting a paid order again, releasing an order that holds nothing, all
  change nothing. Releasing an order that is already paid is refused
  (returns go through :meth:`Stock.restock`). Whether an order was paid is
  its movement's business: :meth:`Stock.deduct` and :meth:`Stock.release`
  take the movement recorded for the order (``recorded``, None when there is
  none), and :meth:`StockMovement.of` makes the movement of a deduction.

>>> from datetime import datetime, timedelta, timezone
>>> now = datetime(2026, 11, 11, tzinfo=timezone.utc)
>>> stock, _ = Stock("SKU-1", on_hand=5).reserve("O-1", 2, now)
>>> stock.available, stock.on_hand
(3, 5)
>>> stock, events = stock.deduct("O-1")
>>> stock.available, stock.on_hand
(3, 3)
>>> StockMovement.of(events[0], at=now).quantity
2
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Final

import attrs

from mallcore._fields import members, span, to_tuple
from mallcore.catalog.listing import require_aware
from mallcore.catalog.product import Sku
from mallcore.errors import IllegalTransition, InvalidValue, NotFound, OutOfStock

__all__ = [
    "DEFAULT_HOLD",
    "Deduction",
    "Reservation",
    "ReservationExpired",
    "Stock",
    "StockCounted",
    "StockDeducted",
    "StockEvent",
    "StockMovement",
    "StockPolicy",
    "StockReleased",
    "StockReserved",
    "StockRestocked",
]

DEFAULT_HOLD: Final = timedelta(minutes=30)
"""How long a reservation holds units under DEDUCT_ON_PAYMENT unless told (a usual 待付款 limit)."""


class StockPolicy(enum.Enum):
    """When an order's units leave ``on_hand``."""

    DEDUCT_ON_ORDER = "deduct_on_order"
    """下单减库存: at once when the order is placed; cancelling gives them back."""
    DEDUCT_ON_PAYMENT = "deduct_on_payment"
    """付款减库存: held by an expiring reservation, taken when the order is paid."""


def _positive(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, value, "must be a whole number")
    if value <= 0:
        raise InvalidValue(field, value, "must be positive")
    return value


def _order_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("order_id", value, "must be a non-empty string")
    return value


@attrs.frozen
class Reservation:
    """Units held for an unpaid order; ``expires_at`` None means it never lapses."""

    order_id: str
    quantity: int
    expires_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        _order_id(self.order_id)
        _positive("reservation.quantity", self.quantity)
        if self.expires_at is not None:
            require_aware("reservation.expires_at", self.expires_at)

    def has_lapsed(self, now: datetime) -> bool:
        """Whether the hold is over at ``now`` (``expires_at`` itself counts as over)."""
        return self.expires_at is not None and self.expires_at <= now


@attrs.frozen
class Deduction:
    """Units an unpaid order took off ``on_hand`` when it was placed (DEDUCT_ON_ORDER)."""

    order_id: str
    quantity: int

    def __attrs_post_init__(self) -> None:
        _order_id(self.order_id)
        _positive("deduction.quantity", self.quantity)


@attrs.frozen
class StockReserved:
    """Units were set aside for an order (held, or taken under DEDUCT_ON_ORDER)."""

    sku_id: str
    order_id: str
    quantity: int
    expires_at: datetime | None


@attrs.frozen
class StockReleased:
    """An order's units went back to ``available`` (the order was cancelled)."""

    sku_id: str
    order_id: str
    quantity: int


@attrs.frozen
class ReservationExpired:
    """An unpaid order's hold lapsed and its units went back to ``available``."""

    sku_id: str
    order_id: str
    quantity: int


@attrs.frozen
class StockDeducted:
    """A paid order's units are gone for good."""

    sku_id: str
    order_id: str
    quantity: int


@attrs.frozen
class StockMovement:
    """Units of a paid order that left the stock for good: one per (``sku_id``, ``order_id``).

    ``at`` is when the order's payment took them; None for a movement
    migrated from a store that did not record it (SQLite schema 2).
    """

    sku_id: str
    order_id: str
    quantity: int
    at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.sku_id, str) or not self.sku_id.strip():
            raise InvalidValue("movement.sku_id", self.sku_id, "must be a non-empty string")
        _order_id(self.order_id)
        _positive("movement.quantity", self.quantity)
        if self.at is not None:
            require_aware("movement.at", self.at)

    @classmethod
    def of(cls, deducted: StockDeducted, *, at: datetime) -> StockMovement:
        """The movement that records ``deducted``, which happened ``at``."""
        return cls(deducted.sku_id, deducted.order_id, deducted.quantity, require_aware("at", at))


@attrs.frozen
class StockRestocked:
    """Units arrived (purchase, return) and were added to ``on_hand``."""

    sku_id: str
    quantity: int


@attrs.frozen
class StockCounted:
    """A stocktake (盘点) set ``on_hand`` from ``before`` to ``after`` units."""

    sku_id: str
    before: int
    after: int


StockEvent = (
    StockReserved
    | StockReleased
    | ReservationExpired
    | StockDeducted
    | StockRestocked
    | StockCounted
)
"""Any event a stock command produces."""


@attrs.frozen
class Stock:
    """The stock of one SKU: on hand, held for orders, and the version for storage."""

    sku_id: str
    on_hand: int = attrs.field(kw_only=True)
    policy: StockPolicy = attrs.field(default=StockPolicy.DEDUCT_ON_PAYMENT, kw_only=True)
    reservations: tuple[Reservation, ...] = attrs.field(
        default=(),
        converter=to_tuple,
        validator=members(Reservation, "Reservation"),
        kw_only=True,
    )
    deductions: tuple[Deduction, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(Deduction, "Deduction"), kw_only=True
    )
    warning_threshold: int = attrs.field(default=0, kw_only=True)
    version: int = attrs.field(default=0, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.sku_id, str) or not self.sku_id.strip():
            raise InvalidValue("stock.sku_id", self.sku_id, "must be a non-empty string")
        where = f"stock {self.sku_id!r}"
        for field, count in (
            ("on_hand", self.on_hand),
            ("warning_threshold", self.warning_threshold),
            ("version", self.version),
        ):
            if isinstance(count, bool) or not isinstance(count, int):
                raise InvalidValue(f"{where}.{field}", count, "must be a whole number")
            if count < 0:
                raise InvalidValue(f"{where}.{field}", count, "must not be negative")
        if not isinstance(self.policy, StockPolicy):
            raise InvalidValue(f"{where}.policy", self.policy, "must be a StockPolicy")
        orders = [r.order_id for r in self.reservations] + [d.order_id for d in self.deductions]
        if len(set(orders)) != len(orders):
            raise InvalidValue(f"{where}.reservations", orders, "must hold each order once")
        if self.reserved > self.on_hand:
            raise InvalidValue(
                f"{where}.reservations",
                self.reserved,
                f"must not hold more than on_hand {self.on_hand}",
            )
        if self.policy is StockPolicy.DEDUCT_ON_PAYMENT and self.deductions:
            raise InvalidValue(
                f"{where}.deductions",
                self.deductions,
                "must be empty under DEDUCT_ON_PAYMENT (units leave on payment)",
            )
        if self.policy is StockPolicy.DEDUCT_ON_ORDER and self.reservations:
            raise InvalidValue(
                f"{where}.reservations",
                self.reservations,
                "must be empty under DEDUCT_ON_ORDER (units are deducted when ordered)",
            )

    @classmethod
    def for_sku(
        cls, sku_id: str, on_hand: int, *, policy: StockPolicy = StockPolicy.DEDUCT_ON_PAYMENT
    ) -> Stock:
        """A fresh stock with ``on_hand`` units and nothing held."""
        return cls(sku_id, on_hand=on_hand, policy=policy)

    @classmethod
    def from_sku(cls, sku: Sku, *, policy: StockPolicy = StockPolicy.DEDUCT_ON_PAYMENT) -> Stock:
        """A fresh stock for ``sku``: its stock on hand and its warning threshold."""
        return cls(
            sku.id, on_hand=sku.stock, policy=policy, warning_threshold=sku.warning_threshold
        )

    @property
    def reserved(self) -> int:
        """Units held by unpaid orders' reservations."""
        return sum(reservation.quantity for reservation in self.reservations)

    @property
    def available(self) -> int:
        """Units a new order may take: ``on_hand - reserved``."""
        return self.on_hand - self.reserved

    def is_low(self) -> bool:
        """Whether ``available`` is at or below the warning threshold (库存预警)."""
        return self.available <= self.warning_threshold

    def reservation(self, order_id: str) -> Reservation | None:
        """The reservation held for ``order_id``, if any."""
        return next((r for r in self.reservations if r.order_id == order_id), None)

    def deduction(self, order_id: str) -> Deduction | None:
        """The deduction recorded for ``order_id``, if any."""
        return next((d for d in self.deductions if d.order_id == order_id), None)

    def held_for(self, order_id: str) -> int:
        """Units set aside for ``order_id`` (held or deducted), 0 if none."""
        held = self.reservation(order_id) or self.deduction(order_id)
        return held.quantity if held is not None else 0

    def _next(self, **changes: object) -> Stock:
        return attrs.evolve(self, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def reserve(
        self, order_id: str, quantity: int, now: datetime, *, hold: timedelta = DEFAULT_HOLD
    ) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Set ``quantity`` units aside for ``order_id``, or raise OutOfStock.

        Lapsed reservations are expired first (so their units count as
        available). Reserving again for the same order and quantity changes
        nothing; another quantity for the same order is refused.
        """
        _order_id(order_id)
        _positive("quantity", quantity)
        require_aware("now", now)
        span("hold", hold)
        current, events = self._without_lapsed(now)
        held = current.held_for(order_id)
        if held:
            if held != quantity:
                raise InvalidValue(
                    "quantity", quantity, f"order {order_id!r} already holds {held} units"
                )
            return (current._next() if events else self), events
        if quantity > current.available:
            raise OutOfStock(self.sku_id, quantity, current.available)
        if self.policy is StockPolicy.DEDUCT_ON_ORDER:
            deduction = Deduction(order_id, quantity)
            new = current._next(
                on_hand=current.on_hand - quantity, deductions=(*current.deductions, deduction)
            )
            return new, (*events, StockReserved(self.sku_id, order_id, quantity, None))
        reservation = Reservation(order_id, quantity, now + hold)
        new = current._next(reservations=(*current.reservations, reservation))
        return new, (*events, StockReserved(self.sku_id, order_id, quantity, now + hold))

    def release(
        self, order_id: str, *, recorded: StockMovement | None = None
    ) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Give back what an unpaid ``order_id`` holds (it was cancelled).

        An order that holds nothing (never reserved, already released or
        expired) changes nothing. A paid order (``recorded``: its movement)
        raises IllegalTransition: returned goods come back through
        :meth:`restock`.
        """
        _order_id(order_id)
        if recorded is not None:
            self._check_recorded(order_id, recorded)
            raise IllegalTransition("stock of order", order_id, "deducted", "released")
        reservation = self.reservation(order_id)
        if reservation is not None:
            new = self._next(reservations=tuple(r for r in self.reservations if r != reservation))
            return new, (StockReleased(self.sku_id, order_id, reservation.quantity),)
        deduction = self.deduction(order_id)
        if deduction is None:
            return self, ()
        new = self._next(
            on_hand=self.on_hand + deduction.quantity,
            deductions=tuple(d for d in self.deductions if d != deduction),
        )
        return new, (StockReleased(self.sku_id, order_id, deduction.quantity),)

    def deduct(
        self, order_id: str, *, recorded: StockMovement | None = None
    ) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Take ``order_id``'s units for good (扣减库存: paid); its hold leaves the stock.

        The :class:`StockDeducted` event is what the caller records as the
        order's :class:`StockMovement`. Deducting a paid order again
        (``recorded``: its movement) changes nothing. An order that holds
        nothing (never reserved, released, or its hold expired) raises
        NotFound: the caller may reserve again, then deduct, or refund.
        """
        _order_id(order_id)
        if recorded is not None:
            self._check_recorded(order_id, recorded)
            return self, ()
        reservation = self.reservation(order_id)
        if reservation is not None:
            new = self._next(
                on_hand=self.on_hand - reservation.quantity,
                reservations=tuple(r for r in self.reservations if r != reservation),
            )
            return new, (StockDeducted(self.sku_id, order_id, reservation.quantity),)
        deduction = self.deduction(order_id)
        if deduction is None:
            raise NotFound(f"stock reservation of SKU {self.sku_id!r} for order", order_id)
        new = self._next(deductions=tuple(d for d in self.deductions if d != deduction))
        return new, (StockDeducted(self.sku_id, order_id, deduction.quantity),)

    def _check_recorded(self, order_id: str, recorded: StockMovement) -> None:
        if (recorded.sku_id, recorded.order_id) != (self.sku_id, order_id):
            raise InvalidValue(
                "recorded",
                recorded,
                f"must be the movement of SKU {self.sku_id!r} for order {order_id!r}",
            )

    def expire(self, now: datetime) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Release every reservation whose hold is over at ``now``; the rest stay."""
        require_aware("now", now)
        current, events = self._without_lapsed(now)
        return (current._next() if events else self), events

    def _without_lapsed(self, now: datetime) -> tuple[Stock, tuple[StockEvent, ...]]:
        """The lapsed holds dropped, version unchanged: the caller bumps it once per command."""
        lapsed = tuple(r for r in self.reservations if r.has_lapsed(now))
        if not lapsed:
            return self, ()
        kept = tuple(r for r in self.reservations if not r.has_lapsed(now))
        return (
            attrs.evolve(self, reservations=kept),
            tuple(ReservationExpired(self.sku_id, r.order_id, r.quantity) for r in lapsed),
        )

    def restock(self, quantity: int) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Add ``quantity`` units to ``on_hand`` (a delivery, a return put back on sale)."""
        _positive("quantity", quantity)
        new = self._next(on_hand=self.on_hand + quantity)
        return new, (StockRestocked(self.sku_id, quantity),)

    def count(self, on_hand: int) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Set ``on_hand`` to a stocktake's figure (盘点: loss, damage, a miscount found).

        The count may not fall below the units held by unpaid orders: those
        orders must be released first. Counting what is already recorded
        changes nothing.
        """
        if isinstance(on_hand, bool) or not isinstance(on_hand, int) or on_hand < 0:
            raise InvalidValue("on_hand", on_hand, "must be a whole number, not negative")
        if on_hand < self.reserved:
            raise InvalidValue(
                "on_hand", on_hand, f"must not be below the {self.reserved} units held for orders"
            )
        if on_hand == self.on_hand:
            return self, ()
        new = self._next(on_hand=on_hand)
        return new, (StockCounted(self.sku_id, self.on_hand, on_hand),)
