"""Stock of one SKU: holds for unpaid orders, deduction, expiry, restocking, stocktakes.

Theory of operation (docs/catalog.md has the full table):

- :class:`Stock` is an immutable aggregate per SKU, as small as a counter:
  ``on_hand`` counts the units the shop still owns; ``reserved`` the units
  held by unpaid orders' reservations; ``available = on_hand - reserved`` is
  what a new order may take.
- Each unpaid order's units on a SKU are a :class:`StockHold`, kept apart
  from the stock (storage keeps one row per SKU and order): a reservation
  with an expiry under DEDUCT_ON_PAYMENT, units already taken off
  ``on_hand`` under DEDUCT_ON_ORDER. Once an order is paid its hold goes,
  and the units that left for good are a :class:`StockMovement` (one per
  order and SKU). So a command reads the stock, the one hold it concerns and
  the holds that lapsed, whatever the SKU's sales and however many orders
  hold it.
- Commands take the hold the caller has stored for the order (``held``,
  None when there is none) and return ``(new_stock, events)``. The events
  say what changes around the stock: :class:`StockReserved` adds a hold
  (:meth:`StockHold.of`), :class:`StockReleased`,
  :class:`ReservationExpired` and :class:`StockDeducted` remove the order's
  hold, and :class:`StockDeducted` is recorded as the order's
  :class:`StockMovement` (:meth:`StockMovement.of`). A command that changes
  something bumps ``version`` by one (storage checks it, so two writers of
  one SKU's holds never both win), a command that changes nothing returns
  the same stock and no events, and a refused command raises and changes
  nothing. ``on_hand`` and ``available`` never go below zero.
- :class:`StockPolicy` says when units leave ``on_hand``:

  * ``DEDUCT_ON_PAYMENT`` (付款减库存): :meth:`Stock.reserve` holds units until
    ``now + hold``; :meth:`Stock.deduct` (the order is paid) takes them out of
    ``on_hand``; :meth:`Stock.release` (cancelled) and :meth:`Stock.expire`
    (the hold lapsed) give them back to ``available``.
  * ``DEDUCT_ON_ORDER`` (下单减库存): :meth:`Stock.reserve` takes units out of
    ``on_hand`` at once, with no expiry; :meth:`Stock.deduct` confirms the
    order paid; :meth:`Stock.release` (an unpaid order cancelled) puts the
    units back; nothing lapses (the order timeout cancels the order, which
    releases).

- Commands are idempotent per order id, because notifications and retries
  arrive more than once: reserving again for the same order and quantity,
  deducting a paid order again, releasing an order that holds nothing, all
  change nothing. Releasing an order that is already paid is refused
  (returns go through :meth:`Stock.restock`). Whether an order was paid is
  its movement's business: :meth:`Stock.deduct` and :meth:`Stock.release`
  take the movement recorded for the order (``recorded``, None when there is
  none).

>>> from datetime import datetime, timedelta, timezone
>>> now = datetime(2026, 11, 11, tzinfo=timezone.utc)
>>> stock, events = Stock("SKU-1", on_hand=5).reserve("O-1", 2, now)
>>> stock.available, stock.on_hand
(3, 5)
>>> hold = StockHold.of(events[0])
>>> stock, events = stock.deduct("O-1", held=hold)
>>> stock.available, stock.on_hand
(3, 3)
>>> StockMovement.of(events[0], at=now).quantity
2
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

import attrs

from mallcore._fields import span
from mallcore.catalog.listing import require_aware
from mallcore.catalog.product import Sku
from mallcore.errors import IllegalTransition, InvalidValue, NotFound, OutOfStock

__all__ = [
    "DEFAULT_HOLD",
    "ReservationExpired",
    "Stock",
    "StockCounted",
    "StockDeducted",
    "StockEvent",
    "StockHold",
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


def _identifier(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, value, "must be a non-empty string")
    return value


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
class StockHold:
    """Units of one SKU set aside for one unpaid order: one per (``sku_id``, ``order_id``).

    Under DEDUCT_ON_PAYMENT a reservation that lapses at ``expires_at``
    (None: never); under DEDUCT_ON_ORDER units already taken off ``on_hand``,
    with no expiry.
    """

    sku_id: str
    order_id: str
    quantity: int
    expires_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        _identifier("hold.sku_id", self.sku_id)
        _identifier("hold.order_id", self.order_id)
        _positive("hold.quantity", self.quantity)
        if self.expires_at is not None:
            require_aware("hold.expires_at", self.expires_at)

    @classmethod
    def of(cls, reserved: StockReserved) -> StockHold:
        """The hold that ``reserved`` set aside."""
        return cls(reserved.sku_id, reserved.order_id, reserved.quantity, reserved.expires_at)

    def has_lapsed(self, now: datetime) -> bool:
        """Whether the hold is over at ``now`` (``expires_at`` itself counts as over)."""
        return self.expires_at is not None and self.expires_at <= now


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
        _identifier("movement.sku_id", self.sku_id)
        _identifier("movement.order_id", self.order_id)
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
    """The stock of one SKU: on hand, held by reservations, and the version for storage."""

    sku_id: str
    on_hand: int = attrs.field(kw_only=True)
    policy: StockPolicy = attrs.field(default=StockPolicy.DEDUCT_ON_PAYMENT, kw_only=True)
    reserved: int = attrs.field(default=0, kw_only=True)
    """Units held by unpaid orders' reservations (always 0 under DEDUCT_ON_ORDER)."""
    warning_threshold: int = attrs.field(default=0, kw_only=True)
    version: int = attrs.field(default=0, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.sku_id, str) or not self.sku_id.strip():
            raise InvalidValue("stock.sku_id", self.sku_id, "must be a non-empty string")
        where = f"stock {self.sku_id!r}"
        for field, count in (
            ("on_hand", self.on_hand),
            ("reserved", self.reserved),
            ("warning_threshold", self.warning_threshold),
            ("version", self.version),
        ):
            if isinstance(count, bool) or not isinstance(count, int):
                raise InvalidValue(f"{where}.{field}", count, "must be a whole number")
            if count < 0:
                raise InvalidValue(f"{where}.{field}", count, "must not be negative")
        if not isinstance(self.policy, StockPolicy):
            raise InvalidValue(f"{where}.policy", self.policy, "must be a StockPolicy")
        if self.reserved > self.on_hand:
            raise InvalidValue(
                f"{where}.reserved", self.reserved, f"must not be more than on_hand {self.on_hand}"
            )
        if self.policy is StockPolicy.DEDUCT_ON_ORDER and self.reserved:
            raise InvalidValue(
                f"{where}.reserved",
                self.reserved,
                "must be 0 under DEDUCT_ON_ORDER (units are deducted when ordered)",
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
    def available(self) -> int:
        """Units a new order may take: ``on_hand - reserved``."""
        return self.on_hand - self.reserved

    def is_low(self) -> bool:
        """Whether ``available`` is at or below the warning threshold (库存预警)."""
        return self.available <= self.warning_threshold

    def _next(self, *, on_hand: int | None = None, reserved: int | None = None) -> Stock:
        """The stock with the counts given changed, version bumped."""
        return attrs.evolve(
            self,
            on_hand=self.on_hand if on_hand is None else on_hand,
            reserved=self.reserved if reserved is None else reserved,
            version=self.version + 1,
        )

    def reserve(
        self,
        order_id: str,
        quantity: int,
        now: datetime,
        *,
        hold: timedelta = DEFAULT_HOLD,
        held: StockHold | None = None,
        lapsed: Iterable[StockHold] = (),
    ) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Set ``quantity`` units aside for ``order_id``, or raise OutOfStock.

        ``held`` is the order's stored hold on this SKU, ``lapsed`` the
        SKU's holds whose time is over at ``now``: they are expired first,
        so their units count as available (``held`` among them too).
        Reserving again for the same order and quantity changes nothing;
        another quantity for the same order is refused.
        """
        _identifier("order_id", order_id)
        _positive("quantity", quantity)
        require_aware("now", now)
        span("hold", hold)
        self._check_held(order_id, held)
        current, events = self._expired(now, lapsed)
        if held is not None and not held.has_lapsed(now):
            if held.quantity != quantity:
                raise InvalidValue(
                    "quantity", quantity, f"order {order_id!r} already holds {held.quantity} units"
                )
            return (current._next() if events else self), events
        if quantity > current.available:
            raise OutOfStock(self.sku_id, quantity, current.available)
        if self.policy is StockPolicy.DEDUCT_ON_ORDER:
            new = current._next(on_hand=current.on_hand - quantity)
            return new, (*events, StockReserved(self.sku_id, order_id, quantity, None))
        new = current._next(reserved=current.reserved + quantity)
        return new, (*events, StockReserved(self.sku_id, order_id, quantity, now + hold))

    def release(
        self,
        order_id: str,
        *,
        held: StockHold | None = None,
        recorded: StockMovement | None = None,
    ) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Give back what an unpaid ``order_id`` holds (``held``: it was cancelled).

        An order that holds nothing (never reserved, already released or
        expired) changes nothing. A paid order (``recorded``: its movement)
        raises IllegalTransition: returned goods come back through
        :meth:`restock`.
        """
        _identifier("order_id", order_id)
        if recorded is not None:
            self._check_recorded(order_id, recorded)
            raise IllegalTransition("stock of order", order_id, "deducted", "released")
        self._check_held(order_id, held)
        if held is None:
            return self, ()
        return self._given_back(held), (StockReleased(self.sku_id, order_id, held.quantity),)

    def deduct(
        self,
        order_id: str,
        *,
        held: StockHold | None = None,
        recorded: StockMovement | None = None,
    ) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Take ``order_id``'s held units for good (扣减库存: paid); its hold goes.

        The :class:`StockDeducted` event is what the caller records as the
        order's :class:`StockMovement`. Deducting a paid order again
        (``recorded``: its movement) changes nothing. An order that holds
        nothing (never reserved, released, or its hold expired) raises
        NotFound: the caller may reserve again, then deduct, or refund.
        """
        _identifier("order_id", order_id)
        if recorded is not None:
            self._check_recorded(order_id, recorded)
            return self, ()
        self._check_held(order_id, held)
        if held is None:
            raise NotFound(f"stock hold of SKU {self.sku_id!r} for order", order_id)
        if self.policy is StockPolicy.DEDUCT_ON_ORDER:
            new = self._next()
        else:
            new = self._next(
                on_hand=self.on_hand - held.quantity, reserved=self.reserved - held.quantity
            )
        return new, (StockDeducted(self.sku_id, order_id, held.quantity),)

    def expire(
        self, now: datetime, lapsed: Iterable[StockHold]
    ) -> tuple[Stock, tuple[StockEvent, ...]]:
        """Release the ``lapsed`` holds (each must be over at ``now``)."""
        require_aware("now", now)
        current, events = self._expired(now, lapsed)
        return (current._next() if events else self), events

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

    def _given_back(self, held: StockHold) -> Stock:
        """The stock once ``held``'s units are free again, version bumped."""
        if self.policy is StockPolicy.DEDUCT_ON_ORDER:
            return self._next(on_hand=self.on_hand + held.quantity)
        return self._next(reserved=self.reserved - held.quantity)

    def _expired(
        self, now: datetime, lapsed: Iterable[StockHold]
    ) -> tuple[Stock, tuple[StockEvent, ...]]:
        """The ``lapsed`` holds given back, version unchanged: the caller bumps it once."""
        holds = tuple(lapsed)
        if not holds:
            return self, ()
        orders = set()
        for hold in holds:
            self._check_held(hold.order_id, hold)
            if not hold.has_lapsed(now) or hold.order_id in orders:
                raise InvalidValue("lapsed", hold, f"must be a distinct hold lapsed at {now}")
            orders.add(hold.order_id)
        units = sum(hold.quantity for hold in holds)
        current = attrs.evolve(self, reserved=self.reserved - units)  # the caller bumps version
        return current, tuple(
            ReservationExpired(self.sku_id, hold.order_id, hold.quantity) for hold in holds
        )

    def _check_held(self, order_id: str, held: StockHold | None) -> None:
        """Refuse a hold that is not this SKU's hold for ``order_id`` under this policy."""
        if held is None:
            return
        if not isinstance(held, StockHold) or (held.sku_id, held.order_id) != (
            self.sku_id,
            order_id,
        ):
            raise InvalidValue(
                "held", held, f"must be the hold of SKU {self.sku_id!r} for order {order_id!r}"
            )
        reservation = self.policy is StockPolicy.DEDUCT_ON_PAYMENT
        if reservation and held.quantity > self.reserved:
            raise InvalidValue("held", held, f"must not hold more than reserved {self.reserved}")
        if not reservation and held.expires_at is not None:
            raise InvalidValue("held", held, "must not expire under DEDUCT_ON_ORDER")

    def _check_recorded(self, order_id: str, recorded: StockMovement) -> None:
        if (recorded.sku_id, recorded.order_id) != (self.sku_id, order_id):
            raise InvalidValue(
                "recorded",
                recorded,
                f"must be the movement of SKU {self.sku_id!r} for order {order_id!r}",
            )
